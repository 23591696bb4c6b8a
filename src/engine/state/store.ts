import { Decimal } from '../util/decimal.js';

/** A change to a state store, as written to its changelog: `value` null deletes the key. */
export interface StoreChange { store: string; key: string; value: unknown }

export type ChangeListener = (c: StoreChange) => void;

/**
 * A key-value state store of a query. Every put and delete is reported as a changelog entry, so the
 * store can be rebuilt from its changelog after a restart without reprocessing input.
 */
export class StateStore<V> {
  private readonly map = new Map<string, V>();
  /** @param onChange receives every put and delete (the changelog); none when nothing records it. */
  constructor(readonly name: string, private readonly onChange?: ChangeListener) {}

  get(key: string): V | undefined { return this.map.get(key); }
  has(key: string): boolean { return this.map.has(key); }
  get size(): number { return this.map.size; }
  values(): IterableIterator<V> { return this.map.values(); }
  entries(): IterableIterator<[string, V]> { return this.map.entries(); }

  put(key: string, value: V): void {
    this.map.set(key, value);
    this.onChange?.({ store: this.name, key, value });
  }

  delete(key: string): boolean {
    const had = this.map.delete(key);
    if (had) this.onChange?.({ store: this.name, key, value: null });
    return had;
  }

  /** Applies a changelog entry without reporting it (restore). */
  restore(key: string, value: V | null): void {
    if (value === null) this.map.delete(key); else this.map.set(key, value);
  }
}

/** Creates (or returns) a named store of the running query. */
export type StoreFactory = <V>(name: string) => StateStore<V>;

/** JSON encoding of engine values that keeps decimals, bytes, maps and non-finite numbers. */
export function encodeValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Decimal) return { $d: v.toString() };
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $b: Buffer.from(v).toString('base64') };
  if (v instanceof Map) return { $m: [...v].map(([k, x]) => [encodeValue(k), encodeValue(x)]) };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
  if (typeof v === 'bigint') return { $l: String(v) };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (typeof v === 'object') return { $o: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x)])) };
  return v;
}

export function decodeValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decodeValue);
  const o = v as Record<string, unknown>;
  if ('$d' in o) return Decimal.parse(o.$d as string);
  if ('$b' in o) return Buffer.from(o.$b as string, 'base64');
  if ('$m' in o) return new Map((o.$m as [unknown, unknown][]).map(([k, x]) => [decodeValue(k), decodeValue(x)]));
  if ('$n' in o) return Number(o.$n);
  if ('$l' in o) return BigInt(o.$l as string);
  if ('$o' in o) return Object.fromEntries(Object.entries(o.$o as object).map(([k, x]) => [k, decodeValue(x)]));
  return v;
}
