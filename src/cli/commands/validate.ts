import { EXIT } from '../errors.js';
import { warner } from '../context.js';
import { chainJson, collectStatus, currentRowJson, type StatusOptions } from './status.js';

/** Checks applied versions against the files: present, unchanged, none failed or stuck. Exit 4 if not. */
export async function runValidate(opts: StatusOptions): Promise<number> {
  const s = await collectStatus(opts);
  const valid = s.problems.length === 0;
  // a CURRENT row that disagrees with the history is no drift of the files: said, not failed (up mends it)
  if (opts.json) process.stdout.write(`${JSON.stringify({ valid, problems: s.problems, problemDetails: s.details, currentRowMismatch: currentRowJson(s.currentRowMismatch), previousChainBreaks: chainJson(s.chainBreaks) }, null, 2)}\n`);
  else {
    for (const m of s.mends) warner(opts)(m);
    if (!valid) for (const p of s.problems) process.stderr.write(`${p}\n`);
    else if (!opts.quiet) process.stdout.write(`valid: ${s.rows.filter((r) => r.state === 'MIGRATED').length} applied versions match their files\n`);
  }
  return valid ? EXIT.OK : EXIT.VALIDATION;
}
