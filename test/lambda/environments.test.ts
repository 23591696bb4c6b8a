import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/lambda/environments.cjs', import.meta.url));
const INVOKE = new URL('../../dist/lambda/invoke.js', import.meta.url).href;

// Run in Node itself (as the CLI runs handlers): the test runner loads modules its own way.
const script = `
const { Environments, loadHandler } = await import(${JSON.stringify(INVOKE)});
const spec = process.argv[1];
const { handler, name } = await loadHandler(spec);
const envs = new Environments(spec, handler, name);
const at = await Promise.all([1, 2, 3].map(() => envs.invoke({})));
const again = await envs.invoke({});
console.log(JSON.stringify({ at, again, started: envs.started }));
`;

describe('execution environments', () => {
  it("invocations at the same time each run in an environment of their own, a CommonJS handler's too (its module cached by path); a free one is used again", () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, fixture], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const { at, again, started } = JSON.parse(r.stdout) as { at: { environment: string; atOnce: number }[]; again: { environment: string }; started: number };
    expect(at.map((x) => x.atOnce)).toEqual([1, 1, 1]);
    expect(new Set(at.map((x) => x.environment)).size).toBe(3);
    expect(started).toBe(3);
    expect(at.map((x) => x.environment)).toContain(again.environment);
  });
});
