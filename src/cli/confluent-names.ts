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

/** A usage error's line with what the Confluent name is called here, when it is one; `command`: the command run. */
export function withConfluentHint(line: string, command: string | undefined): string {
  const unknownCommand = /^error: unknown command '([^']+)'/.exec(line);
  if (unknownCommand && COMMANDS[unknownCommand[1]!]) return `error: unknown command '${unknownCommand[1]}': Confluent's ksql-migrations ${unknownCommand[1]} is ${COMMANDS[unknownCommand[1]!]}\n`;
  const unknownOption = /^error: unknown option '([^'=]+)/.exec(line);
  if (unknownOption && command === 'up' && UP_FLAGS[unknownOption[1]!]) return `error: unknown option '${unknownOption[1]}': ${UP_FLAGS[unknownOption[1]!]}\n`;
  return line;
}
