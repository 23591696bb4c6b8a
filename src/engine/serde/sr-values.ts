import { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';

/** The columns a key or value serde handles, and whether a single one is written bare (unwrapped). */
export interface Shape { names: string[]; types: SqlType[]; unwrapped: boolean }

/** One format's payload encoding for one writer schema; `writer` is the parsed schema a record names by id. */
export interface Codec {
  encode(values: unknown[]): Uint8Array;
  decode(payload: Buffer, writer?: unknown, indexes?: number[]): unknown[] | null;
  /**
   * What decoding `encode(values)` with this codec's own schema gives, when that is known without
   * decoding (plain scalar fields); undefined when it is not.
   */
  readBack?(values: unknown[]): unknown[] | undefined;
  /**
   * The bytes of `prefix` followed by `encode(values)`, written at once; undefined when these
   * values need the general encoder.
   */
  encodeAfter?(values: readonly unknown[], prefix: Uint8Array): Buffer | undefined;
}

/** Index of a physical field name among column names: exact first, then ignoring case (ksqlDB's rule). */
export function findName(names: string[], want: string): number {
  const i = names.indexOf(want);
  if (i >= 0) return i;
  const u = want.toUpperCase();
  return names.findIndex((n) => n.toUpperCase() === u);
}

/** A decimal as Connect writes it: the unscaled value's big-endian two's complement bytes. */
export function decimalToBytes(d: Decimal, scale: number): Buffer {
  let n = d.setScale(scale).unscaled;
  const bytes: number[] = [];
  for (;;) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
    const sign = bytes[0]! & 0x80;
    if ((n === 0n && !sign) || (n === -1n && sign)) break;
  }
  return Buffer.from(bytes);
}

export function decimalFromBytes(b: Buffer, scale: number): Decimal {
  if (b.length === 0) return new Decimal(0n, scale);
  let n = BigInt.asIntN(8, BigInt(b[0]!));
  for (let i = 1; i < b.length; i++) n = (n << 8n) | BigInt(b[i]!);
  return new Decimal(n, scale);
}
