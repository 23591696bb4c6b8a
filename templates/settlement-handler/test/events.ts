import type { SelfManagedKafkaEvent, SelfManagedKafkaRecord } from 'aws-lambda';

export interface RecordSpec {
  topic?: string;
  partition?: number;
  offset?: number;
  /** The userid; undefined leaves `key` out as Lambda does for a record without a key. */
  user?: string;
  value?: object | string;
  headers?: Array<Record<string, number[]>>;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export const userTrade = (over: Partial<Record<'QUANTITY' | 'PRICE' | 'SYMBOL', unknown>> = {}) =>
  ({ REGIONID: 'Region_1', QUANTITY: 10, SYMBOL: 'ZVV', PRICE: 500, ACCOUNT: 'ABC123', SIDE: 'BUY', ...over });

/** A SelfManagedKafka event as Lambda builds it: records grouped by `<topic>-<partition>`. */
export function kafkaEvent(records: RecordSpec[]): SelfManagedKafkaEvent {
  const grouped: SelfManagedKafkaEvent['records'] = {};
  records.forEach((r, i) => {
    const topic = r.topic ?? 'user_trades';
    const partition = r.partition ?? 0;
    const value = typeof r.value === 'string' ? r.value : JSON.stringify(r.value ?? userTrade());
    const record = {
      topic, partition, offset: r.offset ?? i, timestamp: 1_545_084_650_987, timestampType: 'CREATE_TIME',
      ...(r.user === undefined ? {} : { key: b64(r.user) }),
      value: b64(value),
      headers: r.headers ?? [],
    } as SelfManagedKafkaRecord;
    (grouped[`${topic}-${partition}`] ??= []).push(record);
  });
  return { eventSource: 'SelfManagedKafka', bootstrapServers: 'b-1.example:9092,b-2.example:9092', records: grouped };
}
