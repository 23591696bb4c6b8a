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

/** A record that is not a user_trades trade: where it is and what is wrong, never its content. */
export interface SkippedRecord { topic: string; partition: number; offset: number; problem: string }

/**
 * Every record of the event, partition by partition, in offset order as Lambda delivered them,
 * and the records that are not user_trades trades. Those cannot be settled however often the batch
 * is retried (Lambda has no way to skip an offset of a Kafka source), so they are set aside for the
 * handler to log, and the rest of the batch goes on (see README, "Failures").
 */
export function decodeEvent(event: KafkaEvent): { records: DecodedRecord[]; skipped: SkippedRecord[] } {
  const out: DecodedRecord[] = [];
  const skipped: SkippedRecord[] = [];
  for (const records of Object.values(event.records ?? {})) {
    for (const record of records) {
      // the typings say `key: string`, but Lambda leaves it out when the record has no key
      const key = record.key as string | undefined;
      const where = `${record.topic}-${record.partition}@${record.offset}`;
      let value: UserTradeValue;
      // Lambda gives keys and values in base64: what is not (a hand-made event) is no trade
      const badEncoding = !isBase64(record.value ?? '') ? 'value' : key !== undefined && key !== null && !isBase64(key) ? 'key' : undefined;
      if (badEncoding) {
        skipped.push({ topic: record.topic, partition: record.partition, offset: record.offset, problem: `${where}: the ${badEncoding} is not base64` });
        continue;
      }
      // a record without a value (a tombstone) is no trade either, and is said to be one
      if (record.value === undefined || record.value === null || record.value === '') {
        skipped.push({ topic: record.topic, partition: record.partition, offset: record.offset, problem: `${where}: the record has no value (a tombstone)` });
        continue;
      }
      try { value = parseValue(Buffer.from(record.value, 'base64').toString('utf8'), where); } catch (e) {
        skipped.push({ topic: record.topic, partition: record.partition, offset: record.offset, problem: (e as Error).message });
        continue;
      }
      // a key of no bytes names no user, as a record without a key does
      const user = key === undefined || key === null || key === '' ? NO_USER : Buffer.from(key, 'base64').toString('utf8');
      out.push({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        trade: {
          user,
          symbol: value.SYMBOL,
          quantity: value.QUANTITY,
          price: value.PRICE,
        },
        headers: decodeHeaders(record.headers),
      });
    }
  }
  return { records: out, skipped };
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
    // a NULL column is a legal ksqlDB row, but no trade: there is no amount or symbol to settle
    throw new Error(`${where}: the value is not a user_trades trade (numbers QUANTITY and PRICE and a string SYMBOL expected)`);
  }
  return v as UserTradeValue;
}

/**
 * Lambda sends headers as `[{ name: [byte, ...] }, ...]`; the list may be empty or missing. A header
 * without a value (null) is carried with no bytes: kafkajs cannot send a null header value.
 */
export function decodeHeaders(headers: ReadonlyArray<Record<string, number[] | null>> | undefined): Headers {
  const out: Headers = {};
  for (const header of headers ?? []) {
    for (const [name, bytes] of Object.entries(header ?? {})) {
      const value = Array.isArray(bytes) ? Buffer.from(bytes) : Buffer.alloc(0);
      const seen = out[name];
      out[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
  }
  return out;
}

/** Whether text is base64 as Lambda writes it (padded; Buffer.from would drop what is not). */
const isBase64 = (text: string): boolean => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
