import { versionName } from '../../migrations/files.js';
import { KsqlClient, ServerError } from '../../client/client.js';
import { readHistory, readFilesOrThrow, PlanRefused, type MigrationSettings } from '../../migrations/apply.js';
import { foldEvents } from '../../migrations/history.js';
import { describeProblem, plan, type PlanOptions } from '../../migrations/planner.js';
import { prepareMigration } from '../../migrations/prepare.js';
import type { FieldSchema } from '../../client/entities.js';
import { quoteName as q, typeText as sqlType } from '../schema-text.js';

interface Description {
  name: string; type: 'STREAM' | 'TABLE'; topic: string; keyFormat: string; valueFormat: string; partitions: number;
  windowType: string | null; fields: { name: string; schema: FieldSchema; type?: string; headerKey?: string }[];
  /** The statement that made it: `CREATE SOURCE ...` marks a read-only source. */
  statement?: string;
  readQueries?: { id: string }[]; writeQueries?: { id: string }[];
}

/** A CREATE statement with the same name, columns, topic and formats as a source of the target. */
export function createStatementFor(d: Description): string {
  const cols = d.fields.map((f) => {
    let c = `${q(f.name)} ${sqlType(f.schema)}`;
    if (f.type === 'KEY') c += d.type === 'TABLE' ? ' PRIMARY KEY' : ' KEY';
    if (f.type === 'HEADER') c += f.headerKey === undefined ? ' HEADERS' : ` HEADER('${f.headerKey}')`;
    return c;
  });
  const sr = (f: string) => ['AVRO', 'PROTOBUF', 'JSON_SR'].includes(f.toUpperCase());
  // Schema Registry formats become JSON on the local server: the check is about names and types
  const props = [`KAFKA_TOPIC='${d.topic}'`, `KEY_FORMAT='${sr(d.keyFormat) ? 'JSON' : d.keyFormat}'`, `VALUE_FORMAT='${sr(d.valueFormat) ? 'JSON' : d.valueFormat}'`, `PARTITIONS=${Math.max(1, d.partitions)}`];
  if (d.windowType) props.push(`WINDOW_TYPE='${d.windowType}'`, ...(d.windowType === 'SESSION' ? [] : ["WINDOW_SIZE='1 SECOND'"]));
  const source = /^\s*CREATE\s+(OR\s+REPLACE\s+)?SOURCE\s/i.test(d.statement ?? '') ? 'SOURCE ' : '';
  return `CREATE ${source}${d.type} ${q(d.name)} (${cols.join(', ')}) WITH (${props.join(', ')});`;
}

/**
 * The target's persistent queries, which the copy does not run: what each reads and writes, so a
 * DROP of a source they use fails in the dry run as it will on the target, with ksqlDB's message.
 * A TERMINATE of one ends it; dropping a source ends the CREATE ... AS SELECT query that writes it.
 */
export class TargetQueries {
  private readonly live = new Map<string, { insert: boolean; reads: Set<string>; writes: Set<string> }>();

  constructor(queries: { id: string; queryString: string }[], descriptions: Description[]) {
    for (const x of queries) this.live.set(x.id.toUpperCase(), { insert: /^\s*INSERT\b/i.test(x.queryString), reads: new Set(), writes: new Set() });
    for (const d of descriptions) {
      for (const r of d.readQueries ?? []) this.live.get(r.id.toUpperCase())?.reads.add(d.name);
      for (const w of d.writeQueries ?? []) this.live.get(w.id.toUpperCase())?.writes.add(d.name);
    }
  }

  has(id: string): boolean { return this.live.has(id.toUpperCase()); }
  terminate(id: string): void { if (id.toUpperCase() === 'ALL') this.live.clear(); else this.live.delete(id.toUpperCase()); }

  /** Why ksqlDB refuses to drop `name` while these queries run, or undefined; a drop it allows ends its own query. */
  drop(name: string): string | undefined {
    const readers: string[] = [], writers: string[] = [], derived: string[] = [];
    for (const [id, x] of this.live) {
      if (x.insert) {
        if (x.reads.has(name)) readers.push(id);
        if (x.writes.has(name)) writers.push(id);
      } else if (x.reads.has(name) && !x.writes.has(name)) derived.push(...x.writes);
    }
    if (readers.length || writers.length) return `Cannot drop ${name}.\nThe following queries read from this source: [${readers.sort().join(', ')}].\nThe following queries write into this source: [${writers.sort().join(', ')}].\nYou need to terminate them before dropping ${name}.`;
    if (derived.length) return `Cannot drop ${name}.\nThe following streams and/or tables read from this source: [${[...new Set(derived)].sort().join(', ')}].\nYou need to drop them before dropping ${name}.`;
    for (const [id, x] of this.live) if (!x.insert && x.writes.has(name)) this.live.delete(id);
    return undefined;
  }
}

/** The source a `DROP STREAM|TABLE` names, as ksqlDB resolves it (unquoted names upper-cased). */
function droppedName(text: string): string | undefined {
  const m = /^\s*DROP\s+(?:STREAM|TABLE)\s+(?:IF\s+EXISTS\s+)?(`[^`]+`|"[^"]+"|[A-Za-z_][\w]*)/i.exec(text);
  if (!m) return undefined;
  const n = m[1]!;
  return /^[`"]/.test(n) ? n.slice(1, -1) : n.toUpperCase();
}

export interface DryRunReport { ok: boolean; lines: string[] }

/**
 * --dry-run: touches nothing on the target. Reads the history and the target's catalog, copies the
 * catalog into a local server started in this process, and runs each pending statement there after
 * substitution, so errors show before anything reaches the real server.
 */
export async function dryRun(target: KsqlClient, s: MigrationSettings, options: PlanOptions, warn?: (message: string) => void): Promise<DryRunReport> {
  const files = await readFilesOrThrow(s.dir, warn);
  const history = (await readHistory(target, s.metadata, s.leaseMs)) ?? foldEvents([], s.leaseMs);
  const p = plan(files, history, options);
  if (p.problems.length) throw new PlanRefused(p.problems.map(describeProblem));
  const lines: string[] = [];
  if (p.steps.length === 0) return { ok: true, lines: ['nothing to apply: the history is up to date'] };
  // the target's catalog: custom types, topics (with or without a source), sources, query ids
  const catalog = await target.ksql('SHOW TYPES; SHOW TOPICS; SHOW STREAMS EXTENDED; SHOW TABLES EXTENDED; SHOW QUERIES;', {}, { readOnly: true });
  const descriptions = catalog.flatMap((e) => (e.sourceDescriptions as Description[] | undefined) ?? []);
  const types = Object.entries(catalog.find((e) => e['@type'] === 'type_list')?.types as Record<string, FieldSchema> | undefined ?? {});
  const topics = (catalog.find((e) => e['@type'] === 'kafka_topics')?.topics as { name: string; replicaInfo: number[] }[] | undefined) ?? [];
  const queries = new TargetQueries((catalog.find((e) => e['@type'] === 'queries')?.queries as { id: string; queryString: string }[] | undefined) ?? [], descriptions);
  const { startLocalServer } = await import('../../engine/rest/server.js');
  const local = await startLocalServer({ port: 0 });
  const client = new KsqlClient({ url: local.url });
  try {
    for (const t of topics) local.engine.topics.create(t.name, { partitions: Math.max(1, t.replicaInfo.length), replicas: 1 });
    const seed = [...types.map(([name, schema]) => `CREATE TYPE ${q(name)} AS ${sqlType(schema)};`), ...descriptions.map(createStatementFor)];
    if (seed.length) await client.ksql(seed.join('\n'));
    for (const step of p.steps) {
      const statements = prepareMigration(step.file, s.defines);
      lines.push(`-- ${versionName(step.file.version)} ${step.file.name} (${step.file.fileName})`);
      for (const [k, st] of statements.entries()) {
        lines.push(st.text);
        const fail = (message: string) => {
          lines.push(`-- ! ${step.file.fileName}:${st.line}: statement ${k + 1}/${statements.length} would fail: ${message.split('\n')[0]}`);
          return { ok: false, lines };
        };
        // the copy runs no queries: a statement about one of the target's is checked against its ids
        const control = /^\s*(TERMINATE|PAUSE|RESUME)\s+`?([\w-]+)`?\s*;\s*$/i.exec(st.text);
        const terminate = !!control && control[1]!.toUpperCase() === 'TERMINATE';
        if (control && control[2]!.toUpperCase() !== 'ALL' && queries.has(control[2]!)) {
          if (terminate) queries.terminate(control[2]!);
          continue;
        }
        if (terminate && control[2]!.toUpperCase() === 'ALL') queries.terminate('ALL');
        // ... and a DROP of a source they read or write is refused as the target will refuse it
        const dropped = droppedName(st.text);
        const refusal = dropped === undefined ? undefined : queries.drop(dropped);
        if (refusal) return fail(refusal);
        // connectors go to the target's Kafka Connect, which the copy does not have
        if (/^\s*(CREATE\s+(SOURCE|SINK)\s+CONNECTOR|DROP\s+CONNECTOR)\b/i.test(st.text)) continue;
        try { await client.ksql(st.text); } catch (e) {
          if (!(e instanceof ServerError)) throw e;
          return fail(e.message);
        }
      }
    }
    lines.push(`-- ${p.steps.length} migration(s) checked against a copy of the target's catalog; nothing was applied`);
    return { ok: true, lines };
  } finally {
    await client.close();
    await local.close();
  }
}
