import { EXIT } from '../errors.js';
import { collectStatus, type StatusOptions } from './status.js';

/** Checks applied versions against the files: present, unchanged, none failed or stuck. Exit 4 if not. */
export async function runValidate(opts: StatusOptions): Promise<number> {
  const s = await collectStatus(opts);
  if (opts.json) process.stdout.write(`${JSON.stringify({ valid: s.problems.length === 0, problems: s.problems, problemDetails: s.details }, null, 2)}\n`);
  else if (s.problems.length === 0) { if (!opts.quiet) process.stdout.write(`valid: ${s.rows.filter((r) => r.state === 'MIGRATED').length} applied versions match their files\n`); }
  else for (const p of s.problems) process.stderr.write(`${p}\n`);
  return s.problems.length === 0 ? EXIT.OK : EXIT.VALIDATION;
}
