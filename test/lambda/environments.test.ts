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

  it('an environment whose invocation left an error unhandled is let go (Lambda\'s runtime exits then): the next call is a cold start', () => {
    const strays = `
const { Environments, loadHandler } = await import(${JSON.stringify(INVOKE)});
const spec = process.argv[1];
const { handler, name } = await loadHandler(spec);
const envs = new Environments(spec, handler, name);
const ids = [];
for (const stray of [undefined, undefined, 'rejection', undefined, 'exception', undefined]) {
  try { ids.push((await envs.invoke({ stray })).environment); } catch (e) { ids.push(e.message.split(':')[0]); }
}
console.log(JSON.stringify({ ids, started: envs.started }));
`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', strays, fileURLToPath(new URL('../fixtures/lambda/strays.mjs', import.meta.url))], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const { ids, started } = JSON.parse(r.stdout) as { ids: string[]; started: number };
    const [a, b, rejected, c, thrown, d] = ids;
    expect([a === b, rejected, c !== a, thrown, d !== c, started]).toEqual([true, 'Runtime.UnhandledPromiseRejection', true, 'Runtime.ExitError', true, 3]);
  });
});
