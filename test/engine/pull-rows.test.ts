import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { writePullRows } from '../../src/engine/rest/query-endpoints.js';

// A pull query on a stream writes its rows a step at a time; a client that stops reading must not
// make the server buffer a whole step of written rows: writing stops at the first full write.
describe('writing a pull query\'s rows to a slow client', () => {
  it('stops at the first write the response refuses, goes on at its drain, and ends after the last row', async () => {
    const steps = [[[1], [2], [3], [4], [5]], [[6], [7]]];
    const result = { more: () => steps.shift() ?? null };
    const res = new EventEmitter();
    const written: unknown[] = [];
    let room = 2;
    const writer = { row: (r: unknown[]) => { written.push(r[0]); return --room > 0; } };
    let ended = false;
    writePullRows(result, writer as never, res as never, () => { ended = true; });
    // the response took two rows and refused the second: nothing more is written until it drains
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([1, 2]);
    room = 100;
    res.emit('drain');
    await new Promise((r) => setTimeout(r, 10));
    expect(written).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ended).toBe(true);
  });

  it('stops reading when the client has gone', async () => {
    let reads = 0;
    const res = new EventEmitter();
    writePullRows({ more: () => { reads++; return [[1]]; } }, { row: () => true } as never, res as never, () => undefined);
    res.emit('close');
    await new Promise((r) => setTimeout(r, 10));
    expect(reads).toBe(1);
  });
});
