/**
 * Plain-text tables that fit the terminal: long cells are shortened, never wrapped into the next
 * column. Columns in `keep` (such as ids a user passes back to a command) are never shortened.
 * `paint` colours a row's cell once it is laid out (its codes take no room on the screen).
 */
export function table(headers: string[], rows: string[][], maxWidth = process.stdout.columns || terminalColumns() || 120, keep: number[] = [],
  paint?: (text: string, row: number, col: number) => string): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // two spaces between columns (none after the last)
  let total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total > maxWidth) {
    const shrinkable = widths.map((w, i) => (keep.includes(i) ? -1 : w));
    const widest = shrinkable.indexOf(Math.max(...shrinkable));
    // (a column gives way down to 8 characters, or its header's width when that is less: a table of
    // long ids keeps within the line, and a long header may still shorten)
    if (widest < 0 || widths[widest]! <= Math.max(3, Math.min(8, headers[widest]!.length))) break;
    widths[widest]!--; total--;
  }
  const cell = (s: string, w: number, row: number, col: number) => {
    const text = s.length > w ? `${s.slice(0, w - 1)}…` : s;
    return `${row >= 0 && paint ? paint(text, row, col) : text}${' '.repeat(w - text.length)}`;
  };
  return [headers, ...rows].map((r, k) => r.map((c, i) => cell(c ?? '', widths[i]!, k - 1, i)).join('  ').trimEnd()).join('\n');
}

/** $COLUMNS, as shells set it and users set it for piped output (`COLUMNS=200 ksql-migrate queries | less`); undefined when unset or not a width. */
export function terminalColumns(): number | undefined {
  const n = Number(process.env.COLUMNS);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export { padVersion as pad6 } from '../migrations/files.js';

export function formatTime(ms: string): string {
  const n = Number(ms);
  if (!ms) return '';
  // a time no tool writes (a row written by hand) is shown as it is, not as nothing
  if (!Number.isFinite(n) || Math.abs(n) > 8.64e15) return ms;
  return new Date(n).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * A command's result: one JSON document with --json, the text lines otherwise, nothing with --quiet
 * (errors still go to stderr, as every command's do).
 */
export function report(opts: { json?: boolean; quiet?: boolean }, lines: string[], json: unknown): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else if (!opts.quiet && lines.length) process.stdout.write(`${lines.join('\n')}\n`);
}
