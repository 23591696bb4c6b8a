import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransactionCoordinator, TXERR, type SavedTransaction, type TransactionPorts } from '../../src/engine/kafka/transactions.js';
import type { PendingBatch } from '../../src/engine/storage/topics.js';

/** A coordinator over ports that record what a commit does; topics t (2 partitions) and src (1). */
function coordinator(restored: [string, SavedTransaction][] = []) {
  const appended: string[] = [], offsets: string[] = [];
  const saved = new Map<string, SavedTransaction>();
  let written = 0, nextId = 1000;
  const partitions: Record<string, number> = { t: 2, src: 1 };
  // the next commit's unit is not kept (a journal write that fails at its end)
  const failNext = { on: false };
  const ports: TransactionPorts = {
    append: (topic, partition, batch) => { appended.push(`${topic}/${partition}:${batch.count}`); },
    commitOffset: (groupId, topic, partition, offset) => { offsets.push(`${groupId} ${topic}/${partition}=${offset}`); },
    hasPartition: (topic, partition) => partition >= 0 && partition < (partitions[topic] ?? 0),
    atomically: (fn) => { fn(); if (failNext.on) { failNext.on = false; throw new Error('the data dir cannot be written'); } },
    newProducerId: () => nextId++,
    written: () => { written++; },
    save: (id, state) => { saved.set(id, state); },
  };
  return { tc: new TransactionCoordinator(ports, restored), appended, offsets, written: () => written, saved, failNext };
}

const batch = (count: number): PendingBatch => ({ count, bytes: count * 10, decode: () => [] });

describe('the transaction coordinator', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('a transactional id keeps its producer id; each InitProducerId moves the epoch on and aborts what was ongoing', () => {
    const { tc, appended } = coordinator();
    const a = tc.init('app', 60_000);
    expect(a).toEqual({ errorCode: TXERR.NONE, producerId: 1000, epoch: 0 });
    expect(tc.addPartitions('app', 1000, 0, [{ topic: 't', partition: 0 }])).toEqual([TXERR.NONE]);
    expect(tc.canHold(1000, 0, 't', 0)).toBe(TXERR.NONE);
    tc.hold(1000, 't', 0, batch(3));
    // a second instance of the application: the first is fenced and its transaction never lands
    expect(tc.init('app', 60_000)).toEqual({ errorCode: TXERR.NONE, producerId: 1000, epoch: 1 });
    expect(appended).toEqual([]);
    expect(tc.canHold(1000, 0, 't', 0)).toBe(TXERR.INVALID_PRODUCER_EPOCH);
    expect(tc.addPartitions('app', 1000, 0, [{ topic: 't', partition: 0 }])).toEqual([TXERR.INVALID_PRODUCER_EPOCH]);
    expect(tc.end('app', 1000, 0, true)).toBe(TXERR.INVALID_PRODUCER_EPOCH);
    // another id is another producer
    expect(tc.init('other', 1000).producerId).toBe(1001);
  });

  it('a commit the logs could not keep leaves the transaction as it was: the retry commits it, nothing is answered as done before', () => {
    const { tc, appended, failNext } = coordinator();
    tc.init('app', 60_000);
    tc.addPartitions('app', 1000, 0, [{ topic: 't', partition: 1 }]);
    tc.hold(1000, 't', 1, batch(2));
    failNext.on = true;
    expect(() => tc.end('app', 1000, 0, true)).toThrow('the data dir cannot be written');
    expect(tc.canHold(1000, 0, 't', 1)).toBe(TXERR.NONE);
    appended.length = 0;
    expect(tc.end('app', 1000, 0, true)).toBe(TXERR.NONE);
    expect(appended).toEqual(['t/1:2']);
  });

  it('a timed-out transaction whose abort the logs could not keep stays aborted and its producer fenced', () => {
    vi.useFakeTimers();
    const { tc, appended, failNext } = coordinator();
    tc.init('app', 1000);
    tc.addPartitions('app', 1000, 0, [{ topic: 't', partition: 0 }]);
    tc.hold(1000, 't', 0, batch(2));
    failNext.on = true;
    vi.advanceTimersByTime(1001);
    expect(tc.canHold(1000, 0, 't', 0)).toBe(TXERR.INVALID_PRODUCER_EPOCH);
    expect(tc.end('app', 1000, 0, true)).toBe(TXERR.INVALID_PRODUCER_EPOCH);
    expect(appended).toEqual([]);
  });

  it('refuses transaction timeouts outside (0, transaction.max.timeout.ms] and requests for ids it never gave', () => {
    const { tc } = coordinator();
    expect(tc.init('app', 0).errorCode).toBe(TXERR.INVALID_TRANSACTION_TIMEOUT);
    expect(tc.init('app', 900_001).errorCode).toBe(TXERR.INVALID_TRANSACTION_TIMEOUT);
    expect(tc.init('app', 900_000).errorCode).toBe(TXERR.NONE);
    expect(tc.addOffsets('nobody', 1000, 0, 'g')).toBe(TXERR.INVALID_PRODUCER_ID_MAPPING);
    expect(tc.addOffsets('app', 999, 0, 'g')).toBe(TXERR.INVALID_PRODUCER_ID_MAPPING);
    expect(tc.canHold(999, 0, 't', 0)).toBe(TXERR.INVALID_PRODUCER_ID_MAPPING);
  });

  it('a batch goes only to a partition added to the ongoing transaction; an unknown partition fails the whole AddPartitionsToTxn', () => {
    const { tc } = coordinator();
    const { producerId } = tc.init('app', 60_000);
    expect(tc.canHold(producerId, 0, 't', 0)).toBe(TXERR.INVALID_TXN_STATE);
    expect(tc.addPartitions('app', producerId, 0, [{ topic: 't', partition: 1 }, { topic: 't', partition: 7 }])).toEqual([55, TXERR.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(tc.canHold(producerId, 0, 't', 1)).toBe(TXERR.INVALID_TXN_STATE);
    expect(tc.addPartitions('app', producerId, 0, [{ topic: 't', partition: 1 }])).toEqual([TXERR.NONE]);
    expect(tc.canHold(producerId, 0, 't', 1)).toBe(TXERR.NONE);
    expect(tc.canHold(producerId, 0, 't', 0)).toBe(TXERR.INVALID_TXN_STATE);
  });

  it('a commit appends the held batches in the order they came and commits the offsets; an abort drops both; a repeated end answers as before', () => {
    const { tc, appended, offsets, written } = coordinator();
    const { producerId } = tc.init('app', 60_000);
    tc.addPartitions('app', producerId, 0, [{ topic: 't', partition: 1 }, { topic: 't', partition: 0 }]);
    tc.hold(producerId, 't', 1, batch(2));
    tc.hold(producerId, 't', 0, batch(1));
    tc.hold(producerId, 't', 1, batch(4));
    expect(tc.commitOffset('app', 'g', producerId, 0, 'src', 0, 5n, null)).toBe(TXERR.INVALID_TXN_STATE); // the group was not added
    expect(tc.addOffsets('app', producerId, 0, 'g')).toBe(TXERR.NONE);
    expect(tc.commitOffset('app', 'g', producerId, 0, 'src', 0, 5n, null)).toBe(TXERR.NONE);
    expect(tc.commitOffset('app', 'g', producerId, 0, 'src', 0, 6n, null)).toBe(TXERR.NONE);
    expect(tc.commitOffset('app', 'g', producerId, 0, 'src', 3, 6n, null)).toBe(TXERR.UNKNOWN_TOPIC_OR_PARTITION);
    expect(tc.commitOffset('app', 'g', producerId, 0, 'src', 0, 6n, 'x'.repeat(4097))).toBe(12);
    expect([appended, offsets]).toEqual([[], []]);
    expect(tc.end('app', producerId, 0, true)).toBe(TXERR.NONE);
    expect(appended).toEqual(['t/1:2', 't/0:1', 't/1:4']);
    expect(offsets).toEqual(['g src/0=6']);
    expect(written()).toBe(1);
    // the client's retry of the same end; the other end is not
    expect(tc.end('app', producerId, 0, true)).toBe(TXERR.NONE);
    expect(tc.end('app', producerId, 0, false)).toBe(TXERR.INVALID_TXN_STATE);
    expect(appended).toHaveLength(3);
    // the next transaction, aborted
    tc.addPartitions('app', producerId, 0, [{ topic: 't', partition: 0 }]);
    tc.hold(producerId, 't', 0, batch(9));
    tc.addOffsets('app', producerId, 0, 'g');
    tc.commitOffset('app', 'g', producerId, 0, 'src', 0, 7n, null);
    expect(tc.end('app', producerId, 0, false)).toBe(TXERR.NONE);
    expect([appended, offsets, written()]).toEqual([['t/1:2', 't/0:1', 't/1:4'], ['g src/0=6'], 1]);
    // the partitions of a finished transaction are not the next one's
    expect(tc.canHold(producerId, 0, 't', 0)).toBe(TXERR.INVALID_TXN_STATE);
  });

  it('ending with no transaction begun is INVALID_TXN_STATE', () => {
    const { tc } = coordinator();
    const { producerId } = tc.init('app', 60_000);
    expect(tc.end('app', producerId, 0, true)).toBe(TXERR.INVALID_TXN_STATE);
  });

  it('a transaction open longer than its timeout is aborted and its producer fenced', () => {
    vi.useFakeTimers();
    const { tc, appended } = coordinator();
    const { producerId } = tc.init('app', 5_000);
    tc.addPartitions('app', producerId, 0, [{ topic: 't', partition: 0 }]);
    tc.hold(producerId, 't', 0, batch(1));
    vi.advanceTimersByTime(4_999);
    expect(tc.canHold(producerId, 0, 't', 0)).toBe(TXERR.NONE);
    vi.advanceTimersByTime(1);
    expect(tc.canHold(producerId, 0, 't', 0)).toBe(TXERR.INVALID_PRODUCER_EPOCH);
    expect(tc.end('app', producerId, 0, true)).toBe(TXERR.INVALID_PRODUCER_EPOCH);
    expect(appended).toEqual([]);
    // the application starts again with the next epoch
    expect(tc.init('app', 5_000)).toEqual({ errorCode: TXERR.NONE, producerId, epoch: 2 });
    tc.close();
  });

  it('an exhausted epoch gives the id a new producer id, as Kafka\'s coordinator does', () => {
    const { tc } = coordinator();
    let r = tc.init('app', 60_000);
    while (r.epoch < 32766) r = tc.init('app', 60_000);
    expect(r).toEqual({ errorCode: TXERR.NONE, producerId: 1000, epoch: 32766 });
    expect(tc.init('app', 60_000)).toEqual({ errorCode: TXERR.NONE, producerId: 1001, epoch: 0 });
    expect(tc.canHold(1000, 32766, 't', 0)).toBe(TXERR.INVALID_PRODUCER_ID_MAPPING);
  });

  it('an empty transactional id is INVALID_REQUEST, as Kafka answers it', () => {
    const { tc } = coordinator();
    expect(tc.init('', 60_000).errorCode).toBe(TXERR.INVALID_REQUEST);
    expect(tc.addPartitions('', 1000, 0, [{ topic: 't', partition: 0 }])).toEqual([TXERR.INVALID_REQUEST]);
    expect(tc.end('', 1000, 0, true)).toBe(TXERR.INVALID_REQUEST);
  });

  it('saves each id\'s producer id, epoch and state; restored, an id goes on, and one whose transaction was open is aborted and fenced', () => {
    const first = coordinator();
    const idle = first.tc.init('idle', 60_000), open = first.tc.init('open', 60_000);
    first.tc.addPartitions('idle', idle.producerId, 0, [{ topic: 't', partition: 0 }]);
    first.tc.end('idle', idle.producerId, 0, true);
    first.tc.addPartitions('open', open.producerId, 0, [{ topic: 't', partition: 0 }]);
    first.tc.hold(open.producerId, 't', 0, batch(2));
    expect(first.saved.get('idle')).toEqual({ producerId: idle.producerId, epoch: 0, timeoutMs: 60_000, state: 'CompleteCommit' });
    expect(first.saved.get('open')!.state).toBe('Ongoing');
    // the restart: what was saved comes back
    const second = coordinator([...first.saved]);
    expect(second.tc.addPartitions('idle', idle.producerId, 0, [{ topic: 't', partition: 1 }])).toEqual([TXERR.NONE]);
    expect(second.tc.end('idle', idle.producerId, 0, true)).toBe(TXERR.NONE);
    expect(second.tc.addPartitions('open', open.producerId, 0, [{ topic: 't', partition: 0 }])).toEqual([TXERR.INVALID_PRODUCER_EPOCH]);
    expect(second.saved.get('open')).toEqual({ producerId: open.producerId, epoch: 1, timeoutMs: 60_000, state: 'CompleteAbort' });
    expect(second.tc.init('open', 60_000)).toEqual({ errorCode: TXERR.NONE, producerId: open.producerId, epoch: 2 });
    expect(second.appended).toEqual([]);
  });

  it('a deleted topic takes what open transactions hold for it; a plain batch may not join its producer\'s open transaction\'s partition', () => {
    const { tc, appended, offsets } = coordinator();
    const { producerId } = tc.init('app', 60_000);
    tc.addPartitions('app', producerId, 0, [{ topic: 't', partition: 0 }, { topic: 'src', partition: 0 }]);
    expect(tc.inTransactionOn(producerId, 't', 0)).toBe(false);
    tc.hold(producerId, 't', 0, batch(1));
    tc.hold(producerId, 'src', 0, batch(2));
    expect([tc.inTransactionOn(producerId, 't', 0), tc.inTransactionOn(producerId, 't', 1), tc.inTransactionOn(producerId + 1, 't', 0)]).toEqual([true, false, false]);
    tc.addOffsets('app', producerId, 0, 'g');
    tc.commitOffset('app', 'g', producerId, 0, 't', 0, 4n, null);
    tc.commitOffset('app', 'g', producerId, 0, 'src', 0, 5n, null);
    tc.forgetTopic('t');
    expect(tc.canHold(producerId, 0, 't', 0)).toBe(TXERR.INVALID_TXN_STATE);
    expect(tc.end('app', producerId, 0, true)).toBe(TXERR.NONE);
    expect([appended, offsets]).toEqual([['src/0:2'], ['g src/0=5']]);
    expect(tc.inTransactionOn(producerId, 'src', 0)).toBe(false);
  });
});
