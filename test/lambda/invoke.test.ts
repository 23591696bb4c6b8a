import { describe, expect, it } from 'vitest';
import { invokeHandler, InvocationTimeout } from '../../src/lambda/invoke.js';
import { secretName } from '../../src/lambda/secrets.js';
import { cutBatches, EventSourceRunner, MAX_PAYLOAD_BYTES, sessionTimeoutFor } from '../../src/lambda/runner.js';
import type { SourceRecord } from '../../src/lambda/event.js';

describe('invoking a handler as Lambda does', () => {
  it('takes a result from an async handler, a plain return, or a callback', async () => {
    expect(await invokeHandler(async (e) => ({ got: e }), 1, 'f')).toEqual({ got: 1 });
    expect(await invokeHandler((e) => ({ plain: e }), 2, 'f')).toEqual({ plain: 2 });
    expect(await invokeHandler((e, _c, cb) => { setImmediate(() => cb!(null, { cb: e })); }, 3, 'f')).toEqual({ cb: 3 });
    await expect(invokeHandler((_e, _c, cb) => cb!(new Error('from callback')), 4, 'f')).rejects.toThrow('from callback');
  });

  it('fails after the timeout with Lambda\'s message, and its context counts down', async () => {
    let remaining = -1;
    const slow = (_e: unknown, c: { getRemainingTimeInMillis(): number }) => { remaining = c.getRemainingTimeInMillis(); return new Promise((r) => setTimeout(r, 10_000).unref()); };
    // a timer keeps the process busy, as a real handler's pending work would
    const keep = setInterval(() => undefined, 1000);
    try {
      const timedOut = await invokeHandler(slow, {}, 'f', 200).then(() => undefined, (e: unknown) => e);
      expect(timedOut).toBeInstanceOf(InvocationTimeout);
      expect((timedOut as InvocationTimeout).message).toBe('Task timed out after 0.20 seconds');
      // the abandoned call can still be waited for: it ends when the handler does
      await expect((timedOut as InvocationTimeout).settled).resolves.toBeUndefined();
    } finally { clearInterval(keep); }
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(200);
  });

  it('a handler that keeps the CPU busy past its timeout (holding off the timer) has timed out all the same', async () => {
    // busy until its context says the time is up, and a little past it
    const busy = (_e: unknown, c: { getRemainingTimeInMillis(): number }) => { while (c.getRemainingTimeInMillis() > 0) { /* spin */ } const end = Date.now() + 20; while (Date.now() < end) { /* spin */ } return 'done'; };
    const timedOut = await invokeHandler(busy, {}, 'f', 100).then(() => undefined, (e: unknown) => e);
    expect(timedOut).toBeInstanceOf(InvocationTimeout);
    expect((timedOut as InvocationTimeout).message).toBe('Task timed out after 0.10 seconds');
    // so has one that throws once it is past its time; one that returns or throws in time is unaffected
    const busyThrow = (_e: unknown, c: { getRemainingTimeInMillis(): number }) => { while (c.getRemainingTimeInMillis() > 0) { /* spin */ } const end = Date.now() + 20; while (Date.now() < end) { /* spin */ } throw new Error('late'); };
    expect(await invokeHandler(busyThrow, {}, 'f', 100).then(() => undefined, (e: unknown) => e)).toBeInstanceOf(InvocationTimeout);
    expect(await invokeHandler(() => 'quick', {}, 'f', 10_000)).toBe('quick');
    await expect(invokeHandler(() => { throw new Error('early'); }, {}, 'f', 10_000)).rejects.toThrow('early');
  });
});

describe('secrets asked for by name or by ARN', () => {
  it.each([
    ['settle-config', 'settle-config'],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:settle-config-AbCdEf', 'settle-config'],
    ['arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:a/b-123456', 'a/b'],
    // a plain name keeps what looks like a suffix
    ['name-AbCdEf', 'name-AbCdEf'],
  ])('%s is %s', (id, name) => { expect(secretName(id)).toBe(name); });
});

describe('batches cut as Lambda cuts them', () => {
  const record = (offset: number, bytes: number): SourceRecord => ({ topic: 't', partition: 0, offset, timestamp: 0, key: null, value: Buffer.alloc(bytes), headers: [] });
  it('at the batch size', () => {
    expect(cutBatches(Array.from({ length: 10 }, (_v, i) => record(i, 10)), 4).map((b) => b.length)).toEqual([4, 4, 2]);
  });
  it('where the event would pass 6 MB, a record larger than that alone', () => {
    const big = Array.from({ length: 20 }, (_v, i) => record(i, 400_000));
    const cut = cutBatches(big, 100);
    expect(cut.flat().map((r) => r.offset)).toEqual(big.map((r) => r.offset));
    for (const b of cut) expect(b.reduce((n, r) => n + Math.ceil(r.value!.length / 3) * 4, 0)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(cut.length).toBeGreaterThan(1);
    expect(cutBatches([record(0, 7_000_000), record(1, 10)], 100).map((b) => b.length)).toEqual([1, 1]);
  });
});

describe('the consumer\'s session', () => {
  it('outlasts the batching window a fetch waits out without a heartbeat (a window past 30 s had the member dropped at every wait)', () => {
    expect([500, 25_000, 40_000, 300_000].map(sessionTimeoutFor)).toEqual([30_500, 55_000, 70_000, 330_000]);
  });

  it('is what the runner asks its consumer for, beside a fetch wait of the window (a stand-in Kafka records the settings)', async () => {
    const asked: Record<string, unknown>[] = [];
    const consumer = { events: { CRASH: 'crash', FETCH: 'fetch', GROUP_JOIN: 'join' }, on: () => undefined, connect: async () => undefined, subscribe: async () => undefined, run: async () => undefined, disconnect: async () => undefined };
    const kafka = {
      admin: () => ({ connect: async () => undefined, disconnect: async () => undefined, fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: '0' }] }),
      consumer: (config: Record<string, unknown>) => { asked.push(config); return consumer; },
    };
    const runner = new EventSourceRunner({ kafka: kafka as never, bootstrapServers: 'x:9092', topic: 't', groupId: 'g', batchSize: 100, batchingWindowMs: 90_000, startingPosition: 'trim-horizon', maxConcurrency: 1, eventSource: 'self-managed', invoke: async () => undefined });
    await runner.start();
    await runner.stop();
    expect(asked).toEqual([expect.objectContaining({ maxWaitTimeInMs: 90_000, sessionTimeout: 120_000 })]);
  });
});

describe('the environment a handler loads in', () => {
  /** What a handler module saw of an environment variable when it was loaded. */
  const seenAtLoad = async (variable: string) => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadHandler } = await import('../../src/lambda/invoke.js');
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-env-'));
    writeFileSync(join(dir, 'h.mjs'), `const seen = process.env.${variable};\nexport const handler = async () => seen;\n`);
    const { handler } = await loadHandler(join(dir, 'h.mjs'));
    return invokeHandler(handler, {}, 'h');
  };

  it('says the environment started on demand, as the Lambda runtime does, so Powertools logs the first call as a cold start', async () => {
    expect(await seenAtLoad('AWS_LAMBDA_INITIALIZATION_TYPE')).toBe('on-demand');
  });

  it("turns off the AWS SDK's warning about this machine's Node, which is not the function's runtime", async () => {
    expect(await seenAtLoad('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED')).toBe('true');
  });
});
