import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseCorpusJson } from './corpus-json.js';
import { expand, runQttCase, type CaseResult, type QttTest } from './qtt.js';
import { runRestCase, type RestTest } from './rest.js';
import { parseSqlTests, runSqlTest } from './sql-tests.js';
import { runTestRunnerCase, testRunnerCases } from './test-runner.js';

/** npm run conformance -- [--files LIST] [--json OUT] [--verbose] DIR... */
async function main(argv: string[]): Promise<number> {
  const dirs: string[] = [];
  let only: Set<string> | undefined, jsonOut: string | undefined, verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--files') only = new Set(argv[++i]!.split(',').map((s) => s.trim()).filter(Boolean));
    else if (a === '--json') jsonOut = argv[++i];
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--help' || a === '-h') { process.stdout.write('usage: npm run conformance -- [--files a.json,b.json] [--json OUT] [--verbose] DIR...\n'); return 0; }
    else if (a.startsWith('-')) { process.stderr.write(`error: unknown option ${a}\n`); return 2; }
    else dirs.push(a);
  }
  if (dirs.length === 0) { process.stderr.write('error: name at least one corpus directory (e.g. ../shared/ksqldb)\n'); return 2; }
  const files: { path: string; kind: 'qtt' | 'rest' | 'sql' | 'runner'; label: string }[] = [];
  const wanted = (label: string) => !only || only.has(basename(label)) || only.has(label);
  for (const d of dirs) {
    for (const [sub, kind] of [['query-validation-tests', 'qtt'], ['rest-query-validation-tests', 'rest']] as const) {
      let names: string[] = [];
      try { names = (await readdir(join(d, sub))).filter((n) => n.endsWith('.json')).sort(); } catch { continue; }
      for (const n of names) if (wanted(`${sub}/${n}`)) files.push({ path: join(d, sub, n), kind, label: `${sub}/${n}` });
    }
    // sql-tests/**/*.sql: statements with ASSERT VALUES/STREAM/TABLE and --@ directives
    let sqlNames: string[] = [];
    try { sqlNames = (await readdir(join(d, 'sql-tests'), { recursive: true })).filter((n) => n.endsWith('.sql')).sort(); } catch { /* none */ }
    for (const n of sqlNames) if (wanted(`sql-tests/${n}`)) files.push({ path: join(d, 'sql-tests', n), kind: 'sql', label: `sql-tests/${n}` });
    // test-runner/<case>/: statements.sql with input.json and output.json, one QTT test each
    if ((await testRunnerCases(join(d, 'test-runner'))).length && wanted('test-runner')) files.push({ path: join(d, 'test-runner'), kind: 'runner', label: 'test-runner' });
  }
  // a corpus path that holds no test files is a mistake, not a run with nothing to check
  if (files.length === 0) { process.stderr.write(`error: no query-validation-tests, rest-query-validation-tests or sql-tests files under ${dirs.join(', ')}\n`); return 2; }
  const totals = { pass: 0, fail: 0, skip: 0 };
  const report: { file: string; results: CaseResult[] }[] = [];
  const unreadable: string[] = [];
  for (const f of files) {
    const results: CaseResult[] = [];
    const record = (r: CaseResult) => {
      results.push(r);
      totals[r.status]++;
      if (verbose && r.status !== 'pass') process.stdout.write(`  ${r.status.toUpperCase()} ${r.name}\n    ${(r.reason ?? '').split('\n').join('\n    ')}\n`);
    };
    const c = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
    if (f.kind === 'runner') {
      for (const c of await testRunnerCases(f.path)) record(await runTestRunnerCase(c.name, c.dir, c.name.includes(' - incorrect/')));
      process.stdout.write(`${f.label}: ${c('pass')} passed, ${c('fail')} failed, ${c('skip')} skipped\n`);
      report.push({ file: f.path, results });
      continue;
    }
    if (f.kind === 'sql') {
      for (const t of parseSqlTests(basename(f.path, '.sql'), await readFile(f.path, 'utf8'))) {
        try { record(runSqlTest(t)); } catch (e) { record({ name: t.name, status: 'fail', reason: `runner error: ${(e as Error).stack}` }); }
      }
      process.stdout.write(`${f.label}: ${c('pass')} passed, ${c('fail')} failed, ${c('skip')} skipped\n`);
      report.push({ file: f.path, results });
      continue;
    }
    let doc: { tests: QttTest[] };
    try { doc = parseCorpusJson(await readFile(f.path, 'utf8')) as { tests: QttTest[] }; } catch (e) {
      // a file the runner cannot read counts as a failure, so it lowers no floor unseen, and the run
      // ends in failure once every file has run: its cases were not run at all
      unreadable.push(f.label);
      record({ name: basename(f.path), status: 'fail', reason: `cannot read: ${(e as Error).message}` });
      process.stdout.write(`${f.label}: cannot read: ${(e as Error).message}\n`);
      report.push({ file: f.path, results });
      continue;
    }
    const base = basename(f.path, '.json');
    for (const t of doc.tests ?? []) {
      for (const run of expand(base, t)) {
        let r: CaseResult;
        try { r = f.kind === 'rest' ? await runRestCase(run.name, run.test as RestTest) : runQttCase(run.name, run.test); } catch (e) {
          r = { name: run.name, status: 'fail', reason: `runner error: ${(e as Error).stack}` };
        }
        record(r);
      }
    }
    process.stdout.write(`${f.label}: ${c('pass')} passed, ${c('fail')} failed, ${c('skip')} skipped\n`);
    report.push({ file: f.path, results });
  }
  if (jsonOut) await writeFile(jsonOut, JSON.stringify({ totals, files: report }, null, 2));
  process.stdout.write(`conformance: ${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped\n`);
  if (unreadable.length) { process.stderr.write(`conformance: ${unreadable.length} file(s) could not be read, their cases not run: ${unreadable.join(', ')}\n`); return 1; }
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exitCode = 1; });
