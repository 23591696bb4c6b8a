#!/usr/bin/env node
// (first: it reads which process started this one before anything else loads)
import './parent.js';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { CliError, EXIT, exitWhenDone, progress, usageLine, writeErrorDocument } from './errors.js';
import { inConfigTerms } from './config-terms.js';
import { commandNamed, withConfluentHint } from './confluent-names.js';
import { outputClosed } from './output-closed.js';

/**
 * process.exit as it was when the CLI started: `lambda` makes a handler's own process.exit fail its
 * invocation, and the CLI's exits must stay exits.
 */
const exit = process.exit.bind(process);

/** The only place that calls process.exit: maps errors to one line and an exit code. */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT.OK;
      // commander has written its one line; --json still gets its document
      if (jsonRequested(argv)) writeErrorDocument(withConfluentHint(usageLine(e.message), commandNamed(argv)).replace(/^error: /, ''), EXIT.USAGE);
      return EXIT.USAGE;
    }
    // (settings are named as the file the command read names them: Confluent's properties keys, or ours)
    const message = inConfigTerms(e instanceof Error ? e.message : String(e));
    const code = e instanceof CliError ? e.exitCode : EXIT.FAILED;
    process.stderr.write(`error: ${message}\n`);
    if (!(e instanceof CliError) && process.env.KSQL_MIGRATE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    // --json promises one JSON document on stdout: a failure is one too, for the script reading it
    if (jsonRequested(argv)) writeErrorDocument(message, code, e instanceof CliError ? e.document : undefined);
    return code;
  }
}

/** --json among the options (not after `--`, where arguments are no longer options). */
function jsonRequested(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

// a reader that went away (| head, 2>&1 | head) is not an error; on stderr too, where a command's
// progress goes (lambda run's: an unhandled write error there would be taken for a handler's crash,
// whose report is written there again, without end)
// a run that writes the history (up, down) instead stops as Ctrl-C stops it: the migration in flight
// recorded, the lock released, exit 141 (its output goes nowhere from then on)
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stream.write = (() => true) as typeof stream.write;
    if (!outputClosed()) exit(0);
  });
}

// Ctrl-C (or SIGTERM) in a command that has no stopping of its own (status, validate, the query and
// schema commands: reads) ends it at once with the code a signal gives, and --json still gets its one
// document; up, down, server and the rest install their own handling, which this leaves alone. Not for
// the commands that run a handler's code (lambda, demo): a handler stuck in a loop never lets a
// listener run, where the signal's own default still ends the process
const runsHandlers = ['lambda', 'demo'].includes(commandNamed(process.argv) ?? '');
for (const [signal, code] of runsHandlers ? [] : [['SIGINT', EXIT.INTERRUPTED], ['SIGTERM', EXIT.TERMINATED]] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    // a command part way through its changes says what was in flight and what was not tried
    // (what it did is printed as it went, and in --json's `done`)
    const p = progress.document;
    const left = p ? `${p.inFlight ? `: ${p.inFlight} was in flight (it may have run)` : ''}${p.notTried.length ? `; not tried: ${p.notTried.join(', ')}` : ''}` : '';
    process.stderr.write(`error: interrupted${left}\n`);
    if (jsonRequested(process.argv)) writeErrorDocument('interrupted', code, p);
    process.stdout.write('', () => process.stderr.write('', () => exit(code)));
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
  // after what was written has gone out
  if (exitWhenDone.requested) process.stdout.write('', () => process.stderr.write('', () => exit(code)));
});
