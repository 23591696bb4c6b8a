import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseCorpusJson } from './corpus-json.js';
import { runQttCase, type CaseResult, type QttRecord } from './qtt.js';
import { splitRequest } from '../sql/parser.js';

/**
 * ksqlDB's ksql-test-runner cases (`test-runner/<dir>/`): statements.sql, an optional input.json
 * (`{"inputs": [...]}`, not empty) and output.json (`{"outputs": [...]}`, not empty), run as one
 * QTT test. Cases under `incorrect/` must fail, the others must pass.
 */
export async function testRunnerCases(root: string): Promise<{ name: string; dir: string }[]> {
  const found: { name: string; dir: string }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
    if (entries.some((e) => e.isFile() && e.name === 'statements.sql')) found.push({ name: `test-runner - ${relative(root, dir)}`, dir });
    for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) await walk(join(dir, e.name));
  };
  await walk(root);
  return found;
}

export async function runTestRunnerCase(name: string, dir: string, mustFail: boolean): Promise<CaseResult> {
  const outcome = await attempt(dir);
  if (mustFail) return outcome === undefined ? { name, status: 'fail', reason: 'an incorrect case ran clean' } : { name, status: 'pass' };
  return outcome === undefined ? { name, status: 'pass' } : { name, status: 'fail', reason: outcome };
}

/** Why the case fails, or undefined when it runs and its outputs match. */
async function attempt(dir: string): Promise<string | undefined> {
  const statements = await readFile(join(dir, 'statements.sql'), 'utf8');
  let inputs: QttRecord[] = [];
  try {
    const text = await readFile(join(dir, 'input.json'), 'utf8');
    inputs = (parseCorpusJson(text) as { inputs?: QttRecord[] }).inputs ?? [];
    if (inputs.length === 0) return 'input.json has no inputs';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `input.json: ${(e as Error).message}`;
  }
  let outputs: QttRecord[];
  try { outputs = (parseCorpusJson(await readFile(join(dir, 'output.json'), 'utf8')) as { outputs?: QttRecord[] }).outputs ?? []; } catch (e) { return `output.json: ${(e as Error).message}`; }
  if (outputs.length === 0) return 'output.json has no outputs';
  let texts: string[];
  try { texts = splitRequest(statements).map((x) => x.text); } catch (e) { return (e as Error).message; }
  const r = runQttCase('KSQL_Test', { name: 'KSQL_Test', statements: texts, inputs, outputs }, { precreateOutputs: false });
  return r.status === 'pass' ? undefined : r.reason ?? r.status;
}
