import type { Engine } from '../../src/engine/engine.js';

/** A request's context for statements run straight on an engine: queries read from the start. */
export const earliest = () => ({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } as Record<string, unknown>, variables: new Map<string, string>() });

/** Runs `;`-separated statements on the engine (none with a `;` inside), then drains its queries. */
export function runSql(e: Engine, sql: string, ctx = earliest()): void {
  for (const s of sql.split(/;\s*/).filter(Boolean)) e.executeStatement(`${s};`, ctx);
  e.drain();
}

/** A table's latest rows, "key: values", sorted. */
export function tableRows(e: Engine, sink: string): string[] {
  const q = [...e.queries.values()].find((x) => x.sinkName === sink)!;
  return [...q.materialized!.entries()].map(([, r]) => `${JSON.stringify(r.key)}: ${JSON.stringify(r.values)}`).sort();
}
