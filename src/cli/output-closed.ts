// Runs that stop themselves when their output's reader goes away (| head): main's handler of a write
// error on stdout or stderr tells them. Kept apart so the CLI's entry loads nothing more for it.

const listeners = new Set<() => void>();

/** Calls `stop` when stdout or stderr loses its reader, until the returned function is called. */
export function onOutputClosed(stop: () => void): () => void {
  listeners.add(stop);
  return () => { listeners.delete(stop); };
}

/** Tells the runs in progress that stdout or stderr has no reader any more; false when none is running. */
export function outputClosed(): boolean {
  for (const l of listeners) l();
  return listeners.size > 0;
}
