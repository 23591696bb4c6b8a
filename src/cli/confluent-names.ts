/**
 * Confluent's ksql-migrations commands and apply flags, by what ksql-migrate calls them: a team
 * switching over types the old names, and is told the new ones instead of only "unknown".
 */
const COMMANDS: Record<string, string> = {
  'new-project': "ksql-migrate init [dir] (the server's URL goes in ksql-migrate.yaml, or --server)",
  'initialize-metadata': 'ksql-migrate metadata init',
  apply: 'ksql-migrate up (--all is what up does by default; --until N is --to N; --next, --version N and --dry-run are the same)',
  info: 'ksql-migrate status',
  'destroy-metadata': 'ksql-migrate metadata destroy',
};

const UP_FLAGS: Record<string, string> = {
  '--all': 'up applies every pending version unless told otherwise (Confluent\'s apply --all)',
  '--until': 'up --to N applies up to and including version N (Confluent\'s apply --until N)',
  '--headers': 'extra HTTP headers go in ksql-migrate.yaml as server.headers (Confluent\'s apply --headers file)',
};

/** Confluent's options of every command, by what they are here. */
const ANY_FLAGS: Record<string, string> = {
  '--config-file': 'the configuration file is --config FILE here, after the command (Confluent\'s --config-file; a ksql-migrations.properties is read as it is)',
  '-c': 'the configuration file is --config FILE here, after the command (Confluent\'s -c, --config-file; a ksql-migrations.properties is read as it is)',
};

/** The command a command line names: its first word that is no option (undefined for none). */
export const commandNamed = (argv: readonly string[]): string | undefined => argv.slice(2).find((a) => !a.startsWith('-'));

/**
 * A usage error's text (as commander words it, with or without its 'error: ' and line end) with what
 * the Confluent name is called here, when it is one; `command`: the command run.
 */
export function withConfluentHint(text: string, command: string | undefined): string {
  // (commander's own guess, 'did you mean ...', gives way to the hint)
  const guess = String.raw`(?: \(did you mean [^)]*\))?`;
  return text
    .replace(new RegExp(`unknown command '([^']+)'${guess}`), (whole, name: string) => (Object.hasOwn(COMMANDS, name) ? `unknown command '${name}': Confluent's ksql-migrations ${name} is ${COMMANDS[name]}` : whole))
    .replace(new RegExp(`unknown option '([^'=]+)(?:=[^']*)?'${guess}`), (whole, flag: string) => (command === 'up' && Object.hasOwn(UP_FLAGS, flag) ? `unknown option '${flag}': ${UP_FLAGS[flag]}`
      : Object.hasOwn(ANY_FLAGS, flag) ? `unknown option '${flag}': ${ANY_FLAGS[flag]}` : whole));
}
