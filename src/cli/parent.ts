/**
 * The process that started this one, read as early as the CLI runs: a server started in the
 * background by a script stops when the script exits (it is then re-parented), and a script that
 * exits while the server is still starting must be seen to have gone too.
 */
export const parentAtStart = process.ppid;
