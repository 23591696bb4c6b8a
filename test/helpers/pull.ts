import type { Engine } from '../../src/engine/engine.js';
import { startPullQuery, type PullResult } from '../../src/engine/exec/select.js';
import type { Query } from '../../src/engine/sql/ast.js';

/** Runs a pull query to completion in the engine: every row at once (a stream's read in one step). */
export function runPullQuery(engine: Engine, q: Query, props: Record<string, unknown> = {}): PullResult {
  const result = startPullQuery(engine, q, props);
  if (result.more) for (let rows = result.more(Infinity); rows; rows = result.more(Infinity)) for (const r of rows) result.rows.push(r);
  return { ...result, more: undefined };
}
