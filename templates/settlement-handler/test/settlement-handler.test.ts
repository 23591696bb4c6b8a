import { describe, expect, it } from 'vitest';
import type { SettlementConfig } from '../src/config.js';
import type { OutgoingMessage, SettlementProducer } from '../src/producer.js';
import { seededRandom } from '../src/rules.js';
import { createSettlementHandler, type SettlementPorts } from '../src/settlement-handler.js';
import { decodeSettlement, unframeProtobuf } from '../src/trade-settlement.js';
import { kafkaEvent, userTrade } from './events.js';

const NOW = 1_700_000_000_000;
const CONFIG: SettlementConfig = {
  bootstrapServers: 'pkc-1.example:9092', username: 'KEY123', password: 'kafka-secret-value', ssl: true,
  schemaRegistryUrl: 'https://psrc-1.example', schemaRegistryUsername: 'SRKEY', schemaRegistryPassword: 'sr-secret-value',
  outputTopic: 'trade-settlements',
};

/** Fakes at the handler's ports: the secret, the producer and the registry; logs are kept as lines. */
function harness(options: { failSends?: number; failConfigReads?: number; failRegistrations?: number } = {}) {
  const sends: Array<{ topic: string; messages: OutgoingMessage[] }> = [];
  const logs: string[] = [];
  let producersCreated = 0, producersClosed = 0;
  let configReads = 0;
  const freshReads: boolean[] = [];
  let failSends = options.failSends ?? 0;
  let failConfigReads = options.failConfigReads ?? 0;
  let failRegistrations = options.failRegistrations ?? 0;
  const producer: SettlementProducer = {
    async send(topic, messages) {
      if (failSends-- > 0) throw new Error('KafkaJSNumberOfRetriesExceeded: broker not available');
      sends.push({ topic, messages });
    },
    async close() { producersClosed++; },
  };
  const log = (level: string) => (message: string, attributes: Record<string, unknown>) => { logs.push(`${level} ${message} ${JSON.stringify(attributes)}`); };
  const ports: SettlementPorts = {
    readConfig: async (fresh) => {
      configReads++;
      freshReads.push(fresh);
      if (failConfigReads-- > 0) throw new Error('Secrets Manager throttled');
      return CONFIG;
    },
    createProducer: () => { producersCreated++; return producer; },
    createSchemaRegistry: () => ({ registerProtobuf: async () => { if (failRegistrations-- > 0) throw new Error('Schema Registry at https://psrc-1.example could not be reached to register trade-settlements-value: ECONNREFUSED'); return 42; } }),
    random: seededRandom(1),
    now: () => NOW,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  };
  return { handle: createSettlementHandler(ports), sends, logs, stats: () => ({ producersCreated, configReads }), closed: () => producersClosed, freshReads };
}

describe('the settlement handler', () => {
  it('reads the configuration and creates its producer once across invocations', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.handle(kafkaEvent([{ user: 'User_1', offset: i }]));
    expect(h.stats()).toEqual({ producersCreated: 1, configReads: 1 });
    expect(h.sends).toHaveLength(3);
  });

  it('sends the whole batch, from several partitions, in one send per invocation', async () => {
    const h = harness();
    await h.handle(kafkaEvent([
      { partition: 0, user: 'User_1', value: userTrade({ SYMBOL: 'ZVV' }) },
      { partition: 0, user: 'User_2', value: userTrade({ SYMBOL: 'ZXZZT', QUANTITY: 5000, PRICE: 900 }) },
      { partition: 4, user: undefined, value: userTrade({ SYMBOL: 'ZTEST' }) },
    ]));
    expect(h.sends).toHaveLength(1);
    const [{ topic, messages }] = h.sends as [{ topic: string; messages: OutgoingMessage[] }];
    expect(topic).toBe('trade-settlements');
    expect(messages.map((m) => m.key)).toEqual(['ZVV', 'ZXZZT', 'ZTEST']);
    const settled = messages.map((m) => {
      const { schemaId, payload } = unframeProtobuf(m.value);
      expect(schemaId).toBe(42);
      return decodeSettlement(payload);
    });
    expect(settled.slice(1)).toEqual([
      { user: 'User_2', symbol: 'ZXZZT', amount: 4_500_000, disposition: 'Pending', reason: 'Large trade', timestamp: NOW },
      { user: 'NO USER', symbol: 'ZTEST', amount: 5000, disposition: 'Rejected', reason: 'No user account specified', timestamp: NOW },
    ]);
    expect(messages.every((m) => m.timestamp === String(NOW))).toBe(true);
  });

  it('carries record headers over to the settlements', async () => {
    const h = harness();
    await h.handle(kafkaEvent([{ user: 'User_1', headers: [{ traceparent: [...Buffer.from('00-ab-01')] }] }]));
    expect(h.sends[0]?.messages[0]?.headers).toEqual({ traceparent: Buffer.from('00-ab-01') });
  });

  it('fails the invocation when the send fails; the retried batch goes out whole, with the secret read again and a new producer', async () => {
    const h = harness({ failSends: 1 });
    const event = kafkaEvent([{ user: 'User_1' }, { user: 'User_2', partition: 1 }]);
    await expect(h.handle(event)).rejects.toThrow('producing 2 settlements to trade-settlements failed');
    expect(h.closed()).toBe(1);
    await h.handle(event);
    expect(h.sends.map((s) => s.messages.length)).toEqual([2]);
    // a fixed or rotated secret takes effect (read past any cache), and the broker sees a fresh producer id
    expect(h.stats()).toEqual({ producersCreated: 2, configReads: 2 });
    expect(h.freshReads).toEqual([false, true]);
  });

  it('a registry that cannot be reached fails the invocation, and the next one reads the secret again', async () => {
    const h = harness({ failRegistrations: 1 });
    await expect(h.handle(kafkaEvent([{ user: 'User_1' }]))).rejects.toThrow(/Schema Registry at https:\/\/psrc-1\.example could not be reached/);
    await h.handle(kafkaEvent([{ user: 'User_1' }]));
    expect(h.stats().configReads).toBe(2);
    expect(h.sends).toHaveLength(1);
  });

  it('tries the configuration again on the next invocation after a failed read', async () => {
    const h = harness({ failConfigReads: 1 });
    await expect(h.handle(kafkaEvent([{ user: 'User_1' }]))).rejects.toThrow('Secrets Manager throttled');
    await h.handle(kafkaEvent([{ user: 'User_1' }]));
    expect(h.stats()).toEqual({ producersCreated: 1, configReads: 2 });
    expect(h.freshReads).toEqual([false, true]);
  });

  it('settles the rest of a batch around a record that is no trade, and logs where that one is, never its content', async () => {
    const h = harness();
    await h.handle(kafkaEvent([
      { user: 'User_1', offset: 1 },
      { user: 'User_2', offset: 2, value: userTrade({ QUANTITY: null, SYMBOL: 'SECRET_LOOKING' }) },
      { user: 'User_3', offset: 3, partition: 1, value: 'garbage-content' },
      { user: 'User_4', offset: 4 },
    ]));
    expect(h.sends.map((s) => s.messages.length)).toEqual([2]);
    const skipped = h.logs.filter((l) => l.startsWith('error record skipped'));
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toContain('"partition":0,"offset":2');
    expect(h.logs.join('\n')).not.toMatch(/SECRET_LOOKING|garbage-content/);
    expect(h.logs.find((l) => l.startsWith('info batch settled'))).toContain('"records":2,"skipped":2');
    // a batch of nothing but such records settles nothing and succeeds
    await h.handle(kafkaEvent([{ user: 'User_5', value: 'nope' }]));
    expect(h.sends).toHaveLength(1);
  });

  it('sets aside a trade whose settlement no broker takes (a SYMBOL of hundreds of KB), logging where it is, and settles the rest', async () => {
    const h = harness();
    await h.handle(kafkaEvent([
      { user: 'User_1', offset: 1 },
      { user: 'User_2', offset: 2, value: userTrade({ SYMBOL: 'Z'.repeat(600_000) }) },
      { user: 'User_3', offset: 3 },
    ]));
    expect(h.sends.map((s) => s.messages.length)).toEqual([2]);
    const skipped = h.logs.filter((l) => l.startsWith('error record skipped'));
    expect(skipped).toEqual([expect.stringMatching(/^error record skipped: its settlement is larger than a broker takes \{"topic":"[^"]+","partition":0,"offset":2,"bytes":\d+,"limit":1000000\}$/)]);
    expect(h.logs.find((l) => l.startsWith('info batch settled'))).toContain('"records":2,"skipped":1');
    // a batch of only such a trade sends nothing, and succeeds
    await h.handle(kafkaEvent([{ user: 'User_4', offset: 4, value: userTrade({ SYMBOL: 'Z'.repeat(600_000) }) }]));
    expect(h.sends).toHaveLength(1);
  });

  it('does nothing for an empty batch', async () => {
    const h = harness();
    await h.handle(kafkaEvent([]));
    expect(h.sends).toEqual([]);
    expect(h.stats().configReads).toBe(0);
  });

  it('logs structured lines without any secret, on success and on failure', async () => {
    const h = harness({ failSends: 1 });
    await h.handle(kafkaEvent([{ user: 'User_1' }])).catch(() => undefined);
    await h.handle(kafkaEvent([{ user: 'User_1' }]));
    expect(h.logs.some((l) => l.startsWith('error settlements not produced'))).toBe(true);
    expect(h.logs.some((l) => l.startsWith('info batch settled'))).toBe(true);
    for (const secret of [CONFIG.password, CONFIG.schemaRegistryPassword]) {
      expect(h.logs.join('\n')).not.toContain(secret);
    }
  });
});
