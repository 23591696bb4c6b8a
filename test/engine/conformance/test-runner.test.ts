import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTestRunnerCase, testRunnerCases } from '../../../src/engine/conformance/test-runner.js';

// ksql-test-runner cases: statements.sql, input.json, output.json; cases under incorrect/ must fail
function corpus(): string {
  const root = mkdtempSync(join(tmpdir(), 'ksqlm-runner-'));
  const write = (dir: string, files: Record<string, string>) => { mkdirSync(join(root, dir), { recursive: true }); for (const [n, t] of Object.entries(files)) writeFileSync(join(root, dir, n), t); };
  const statements = "CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);\nCREATE STREAM T WITH (kafka_topic='t', partitions=1) AS SELECT ID, V * 2 AS W FROM S;";
  const input = JSON.stringify({ inputs: [{ topic: 's', key: 1, value: { V: 21 } }] });
  write('correct/doubles', { 'statements.sql': statements, 'input.json': input, 'output.json': JSON.stringify({ outputs: [{ topic: 't', key: 1, value: { W: 42 } }] }) });
  write('incorrect/mismatch', { 'statements.sql': statements, 'input.json': input, 'output.json': JSON.stringify({ outputs: [{ topic: 't', key: 1, value: { W: 41 } }] }) });
  write('incorrect/empty_input', { 'statements.sql': statements, 'input.json': JSON.stringify({ inputs: [] }), 'output.json': JSON.stringify({ outputs: [{ topic: 't', key: 1, value: { W: 42 } }] }) });
  return root;
}

describe('ksql-test-runner cases', () => {
  it('finds each case directory and runs it as one QTT test; an incorrect case passes by failing', async () => {
    const root = corpus();
    const cases = await testRunnerCases(root);
    expect(cases.map((c) => c.name)).toEqual(['test-runner - correct/doubles', 'test-runner - incorrect/empty_input', 'test-runner - incorrect/mismatch']);
    const results = await Promise.all(cases.map((c) => runTestRunnerCase(c.name, c.dir, c.name.includes(' - incorrect/'))));
    expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);
    // the same mismatching case, expected to pass, fails with the difference
    const wrong = await runTestRunnerCase('x', cases[2]!.dir, false);
    expect(wrong.status).toBe('fail');
    expect(wrong.reason).toMatch(/Topic 't', message 0 \(value\)/);
  });
});
