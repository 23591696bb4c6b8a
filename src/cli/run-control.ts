import { FilesRefused, HistoryNotRecorded, InterruptedWaiting, LockLost, LockTimeout, PlanRefused } from '../migrations/apply.js';
import { MigrationFileError } from '../migrations/prepare.js';
import { CliError, EXIT, writeErrorDocument } from './errors.js';
import { asCliError } from './context.js';
import { onOutputClosed } from './output-closed.js';

/**
 * Ctrl-C and SIGTERM (CI cancelling, docker stop) for a run that writes the history (up, down):
 * before its first write a stop has nothing to finish or record, so it ends the run at once (a
 * server that does not answer would otherwise hold it for its timeouts); after, the `work` in
 * flight is finished and recorded, the lock released, and the run exits 130 or 143.
 */
export function runSignals(work: string, json = false) {
  let stop: 'SIGINT' | 'SIGTERM' | 'SIGPIPE' | undefined;
  let writing = false;
  const code = () => (stop === 'SIGTERM' ? EXIT.TERMINATED : stop === 'SIGPIPE' ? EXIT.OUTPUT_CLOSED : EXIT.INTERRUPTED);
  const onSignal = (signal: 'SIGINT' | 'SIGTERM' | 'SIGPIPE') => {
    stop ??= signal;
    const why = signal === 'SIGPIPE' ? 'output closed' : 'interrupted';
    if (!writing) {
      process.stderr.write(`error: ${why}: nothing was written\n`);
      // --json promises one document, an interrupted run's too
      if (json) writeErrorDocument(`${why}: nothing was written`, code());
      process.exit(code());
    }
    process.stderr.write(`${why}: stopping once the ${work} in flight (if any) is recorded\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // the reader of its output gone (| head, a log shipper that died): stopped as a signal stops it, not
  // part way with the lock held (main's handler of the write error tells it)
  const stopWatching = onOutputClosed(() => onSignal('SIGPIPE'));
  return {
    /** Whether a stop was asked for. */
    stopped: () => stop !== undefined,
    /** The exit code of a stopped run: 130 (SIGINT) or 143 (SIGTERM). */
    code,
    /** The run's first write is going out: from now on a stop waits for the work in flight. */
    writing: () => { writing = true; },
    dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); stopWatching(); },
  };
}

/** A run's failure as the CLI reports it: its exit code by what went wrong (see the README's exit codes). */
export function runFailure(e: unknown, interruptedCode: number): unknown {
  if (e instanceof FilesRefused || e instanceof MigrationFileError) return new CliError(e.message, EXIT.VALIDATION);
  if (e instanceof PlanRefused || e instanceof LockTimeout || e instanceof LockLost) return new CliError(e.message, EXIT.FAILED);
  // the server stopped answering after the last migration ran: as unreachable as it gets
  if (e instanceof HistoryNotRecorded) return new CliError(e.message, EXIT.UNREACHABLE);
  if (e instanceof InterruptedWaiting) return new CliError(e.message, interruptedCode);
  return asCliError(e);
}
