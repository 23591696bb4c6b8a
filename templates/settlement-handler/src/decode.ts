import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { NO_USER, type Trade } from './rules.js';

/** What both Kafka event sources deliver: records grouped by `<topic>-<partition>`. */
export type KafkaEvent = Pick<SelfManagedKafkaEvent, 'records'> | Pick<MSKEvent, 'records'>;

/** Record headers as Kafka clients take them; a key may repeat. */
export type Headers = Record<string, Buffer | Buffer[]>;

export interface DecodedRecord {
  topic: string;
  partition: number;
  offset: number;
  trade: Trade;
  headers: Headers;
}

/** The JSON value of a `user_trades` record: ksqlDB upper-cases the column names. */
interface UserTradeValue {
  REGIONID?: string | null;
  QUANTITY: number;
  SYMBOL: string;
  PRICE: number;
  ACCOUNT?: string | null;
  SIDE?: string | null;
}

/**
 * Every record of the event, partition by partition, in offset order as Lambda delivered them.
 * A value that is not a user_trades record throws: the batch fails and is retried, so a poison
 * record is noticed instead of silently dropped (see README, "Failures").
 */
export function decodeEvent(event: KafkaEvent): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  for (const records of Object.values(event.records ?? {})) {
    for (const record of records) {
      // the typings say `key: string`, but Lambda leaves it out when the record has no key
      const key = record.key as string | undefined;
      const where = `${record.topic}-${record.partition}@${record.offset}`;
      const value = parseValue(Buffer.from(record.value ?? '', 'base64').toString('utf8'), where);
      out.push({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        trade: {
          user: key === undefined || key === null ? NO_USER : Buffer.from(key, 'base64').toString('utf8'),
          symbol: value.SYMBOL,
          quantity: value.QUANTITY,
          price: value.PRICE,
        },
        headers: decodeHeaders(record.headers),
      });
    }
  }
  return out;
}

function parseValue(text: string, where: string): UserTradeValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: the value is not JSON`, { cause: e });
  }
  const v = value as Partial<UserTradeValue> | null;
  if (typeof v !== 'object' || v === null || typeof v.QUANTITY !== 'number' || typeof v.PRICE !== 'number' || typeof v.SYMBOL !== 'string') {
    throw new Error(`${where}: the value is not a user_trades record (QUANTITY, PRICE and SYMBOL expected)`);
  }
  return v as UserTradeValue;
}

/** Lambda sends headers as `[{ name: [byte, ...] }, ...]`; the list may be empty or missing. */
export function decodeHeaders(headers: ReadonlyArray<Record<string, number[]>> | undefined): Headers {
  const out: Headers = {};
  for (const header of headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) {
      const value = Buffer.from(bytes);
      const seen = out[name];
      out[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
  }
  return out;
}
