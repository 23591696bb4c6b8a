import type { Column, FormatInfo, WindowInfo } from './schema.js';
import type { SqlType } from '../sql/types.js';
import { keySerde, valueSerde, type Serde } from '../serde/formats.js';
import { subjectOf } from '../serde/sr-serde.js';
import { keyColumns, valueColumns } from './schema.js';
import type { SchemaLookup } from '../schema-registry/registry.js';
import { javaCompare } from '../util/java-order.js';

export interface DataSource {
  name: string;
  type: 'STREAM' | 'TABLE';
  columns: Column[];
  topic: string;
  keyFormat: FormatInfo;
  valueFormat: FormatInfo;
  windowInfo?: WindowInfo;
  timestampColumn?: string;
  timestampFormat?: string;
  isSource: boolean;
  /** The statement as submitted (ksqlDB re-renders it; ours keeps the user's text). */
  statement: string;
  /** Id of the CSAS/CTAS query that populates this source. */
  writerQueryId?: string;
  /**
   * A CSAS/CTAS sink's sources: each may not be dropped while this one exists, its query running or
   * terminated (ksqlDB's source constraints, kept in its metastore).
   */
  readsFrom?: string[];
  serdes?: { key: Serde; value: Serde };
  /** The engine's Schema Registry, for sources in AVRO, PROTOBUF or JSON_SR (records name their schema by id). */
  registry?: SchemaLookup;
}

export function serdesOf(ds: DataSource): { key: Serde; value: Serde } {
  // (a side of a Schema Registry format without a schema id registers its columns' schema under the
  // topic's subject when it first writes)
  if (!ds.serdes) ds.serdes = { key: keySerde(ds.keyFormat, keyColumns(ds.columns), ds.registry, subjectOf(ds.topic, true)), value: valueSerde(ds.valueFormat, valueColumns(ds.columns), ds.registry, subjectOf(ds.topic, false)) };
  return ds.serdes;
}

/** Streams, tables and custom types, by exact (case-sensitive) name. */
export class MetaStore {
  readonly sources = new Map<string, DataSource>();
  readonly types = new Map<string, SqlType>();

  get(name: string): DataSource | undefined { return this.sources.get(name); }
  /** The streams and tables made by CREATE ... AS SELECT from `name` (they hold it from being dropped), sorted. */
  constraintsOn(name: string): string[] { return [...this.sources.values()].filter((s) => s.name !== name && s.readsFrom?.includes(name)).map((s) => s.name).sort(); }
  put(ds: DataSource): void { this.sources.set(ds.name, ds); }
  delete(name: string): void { this.sources.delete(name); }
  list(type?: 'STREAM' | 'TABLE'): DataSource[] {
    return [...this.sources.values()].filter((s) => !type || s.type === type).sort((a, b) => javaCompare(a.name, b.name));
  }

  /** ksqlDB's hint for a name that exists in another case (MetaStoreImpl#checkAlternatives). */
  hint(name: string): string {
    const alt = [...this.sources.keys()].find((k) => k !== name && k.toUpperCase() === name.toUpperCase());
    if (!alt) return '';
    return alt === alt.toUpperCase()
      ? `\nDid you mean ${alt}? Hint: try removing double quotes from the source name.`
      : `\nDid you mean "${alt}"? Hint: wrap the source name in double quotes to make it case-sensitive.`;
  }
}
