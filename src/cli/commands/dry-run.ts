import { versionName } from '../../migrations/files.js';
import { AuthError, briefMessage, KsqlClient, ServerError, UnreachableError } from '../../client/client.js';
import { ensureMetadata, readHistory, readFilesOrThrow, refuseNotUtf8, PlanRefused, type MigrationSettings } from '../../migrations/apply.js';
import { currentRowMismatch, describeChainBreak, describeCurrentRow, foldEvents, previousChain } from '../../migrations/history.js';
import { describeProblem, nothingToApply, plan, type PlanOptions } from '../../migrations/planner.js';
import { historyNotes, prepareMigration } from '../../migrations/prepare.js';
import { assertionOf, droppedSource, propertySetting } from '../../sql/split.js';
import type { FieldSchema } from '../../client/entities.js';
import { quoteName as q, typeText as sqlType } from '../schema-text.js';
import { SchemaRegistryClient, type RegistrySchema } from '../../client/schema-registry.js';
import type { SchemaRegistry } from '../../engine/schema-registry/registry.js';

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

interface TargetQuery { id: string; queryString: string }

/** The target's CREATE ... AS SELECT queries, by the source each writes. */
export function queryMadeSources(queries: TargetQuery[], descriptions: Description[]): Map<string, TargetQuery> {
  const out = new Map<string, TargetQuery>();
  for (const d of descriptions) {
    for (const w of d.writeQueries ?? []) {
      const x = queries.find((y) => y.id.toUpperCase() === w.id.toUpperCase());
      if (x && /^\s*CREATE\b/i.test(x.queryString)) out.set(d.name, x);
    }
  }
  return out;
}

/**
 * A stored CREATE ... AS SELECT as it can be submitted again: ksqlDB writes the sink topic's
 * inferred CLEANUP_POLICY and RETENTION_MS into the WITH clause it stores, and refuses the first
 * from users (the second on a table without a window). The copy's topics exist already.
 */
export function resubmittable(queryString: string): string {
  let text = queryString.trim();
  // the WITH clause before AS SELECT: its properties split at commas outside quotes
  const m = /^(CREATE\b[^']*?\bWITH\s*\()((?:[^')]|'(?:[^']|'')*')*)(\)\s*AS\s+SELECT\b)/i.exec(text);
  if (m) {
    const props = (m[2]!.match(/(?:[^',]|'(?:[^']|'')*')+/g) ?? []).map((x) => x.trim()).filter((x) => !/^(CLEANUP_POLICY|RETENTION_MS)\s*=/i.test(x));
    text = (props.length ? `${m[1]}${props.join(', ')}${m[3]}` : `${m[1]!.replace(/\s*WITH\s*\($/i, '')} ${m[3]!.replace(/^\)\s*/, '')}`) + text.slice(m[0].length);
  }
  return text.endsWith(';') ? text : `${text};`;
}

/**
 * Runs the target's CREATE ... AS SELECT statements in the copy, those reading others' sinks after
 * them; one the copy cannot run (an extension the target has) makes its source by its columns
 * instead, as the other sources are made. Returns the copy's query id for each target query id.
 */
async function seedQueries(client: KsqlClient, byQuery: Map<string, TargetQuery>, descriptions: Description[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let pending = [...byQuery];
  for (let progress = true; pending.length && progress;) {
    progress = false;
    const left: typeof pending = [];
    for (const [name, x] of pending) {
      try {
        const [entity] = await client.ksql(resubmittable(x.queryString));
        const copyId = (entity?.commandStatus as { queryId?: string | null } | undefined)?.queryId;
        if (copyId) ids.set(x.id.toUpperCase(), copyId);
        progress = true;
      } catch (e) {
        if (!(e instanceof ServerError)) throw e;
        left.push([name, x]);
      }
    }
    pending = left;
  }
  const rest = pending.map(([name]) => descriptions.find((d) => d.name === name)!).map(createStatementFor);
  if (rest.length) await client.ksql(rest.join('\n'));
  return ids;
}

/** What the dry run found of one pending migration (--json). */
export interface DryRunMigration {
  version: number; name: string; fileName: string; statements: number;
  /** Notes on what the file does to the history (a TERMINATE ALL, ...). */
  notes: string[];
  /** Statements the copy cannot check (a connector, an ASSERT on what comes from outside ksqlDB). */
  unchecked: { line: number; statement: number; reason: string }[];
  /** The first statement that would fail; the dry run stops there. */
  failed?: { line: number; statement: number; reason: string };
}

export interface DryRunReport { ok: boolean; migrations: DryRunMigration[]; lines: string[] }

/**
 * A reader of the registry at `url`; credentials in it are sent as Basic auth, never shown with the
 * URL; without them, `credentials` (schemaRegistry.username and password) are.
 */
export function registryAt(url: string, credentials: { username?: string; password?: string } = {}): SchemaRegistryClient | undefined {
  let u: URL;
  try { u = new URL(url); } catch { return undefined; }
  const decode = (x: string) => { try { return decodeURIComponent(x); } catch { return x; } };
  const inUrl = u.username !== '' || u.password !== '';
  const username = inUrl ? (u.username ? decode(u.username) : undefined) : credentials.username;
  const password = inUrl ? (u.password ? decode(u.password) : undefined) : credentials.password;
  u.username = ''; u.password = '';
  return new SchemaRegistryClient({ url: u.toString(), username, password });
}

/** Where the ids of the schemas the dry run's copy registers itself start. */
const COPY_IDS_FROM = 1_000_000_000;

/** The subject a statement failed on because the copy's Schema Registry lacks it (ksqlDB's message names it). */
const missingSubject = (message: string): string | undefined =>
  /does not exist in the Schema Registry\.\nSubject: (\S+)/.exec(message)?.[1];

/**
 * Copies what a statement needs from the target's Schema Registry into the copy's: the schema with
 * the id the statement names (KEY_SCHEMA_ID / VALUE_SCHEMA_ID), else the subject's latest version,
 * with the schemas it references. Returns false when the target's registry has none either.
 */
async function copySchema(from: SchemaRegistryClient, to: SchemaRegistry, subject: string, statement: string): Promise<boolean> {
  const side = subject.endsWith('-key') ? 'KEY' : 'VALUE';
  const idProp = new RegExp(`\\b${side}_SCHEMA_ID\\s*=\\s*'?(\\d+)`, 'i').exec(statement);
  const schema = idProp ? await from.schemaById(Number(idProp[1])) : await from.subjectVersion(subject);
  if (!schema) return false;
  await register(from, to, subject, schema);
  return true;
}

/** Registers a schema under its target id and, first, the ones it references (at the versions the copy gives them). */
async function register(from: SchemaRegistryClient, to: SchemaRegistry, subject: string, schema: RegistrySchema, depth = 0): Promise<number> {
  const references = [];
  for (const r of schema.references) {
    const referenced = depth < 20 ? await from.subjectVersion(r.subject, r.version) : undefined;
    if (!referenced) throw new Error(`the target's Schema Registry has no version ${r.version} of subject ${r.subject}, which ${subject} references`);
    await register(from, to, r.subject, referenced, depth + 1);
    references.push({ ...r, version: to.versions(r.subject).at(-1)! });
  }
  // the copy takes the target's schema as it is: compatibility was the target's to check
  to.setLevel('NONE', subject);
  // with the target's id: statements name schemas by it
  return to.register(subject, { schema: schema.schema, schemaType: schema.schemaType, references }, schema.id);
}

/**
 * --dry-run: touches nothing on the target. Reads the history and the target's catalog, copies the
 * catalog into a local server started in this process, and runs each pending statement there after
 * substitution, so errors show before anything reaches the real server.
 */
export async function dryRun(target: KsqlClient, s: MigrationSettings, options: PlanOptions, warn?: (message: string) => void, registry?: SchemaRegistryClient, registryCredentials?: { username?: string; password?: string }): Promise<DryRunReport> {
  const files = await readFilesOrThrow(s.dir, warn);
  // (as up checks the history table before it writes, so does its dry run)
  const history = (await readHistory(target, s.metadata, s.leaseMs, { checkTable: true })) ?? foldEvents([], s.leaseMs);
  // (what up would mend besides its migrations)
  const mismatch = currentRowMismatch(history);
  if (mismatch) warn?.(`${describeCurrentRow(mismatch, s.metadata.stream)}: up writes it again`);
  for (const b of previousChain(history).breaks) warn?.(`${describeChainBreak(b)}: up writes it again`);
  const p = plan(files, history, options);
  refuseNotUtf8(p);
  if (p.problems.length) throw new PlanRefused(p.problems.map(describeProblem));
  const lines: string[] = [], migrations: DryRunMigration[] = [];
  if (p.steps.length === 0) return { ok: true, migrations, lines: [nothingToApply(p.leftPending, options.to)] };
  // the target's catalog: custom types, topics (with or without a source), sources, query ids
  const catalog = await target.ksql('SHOW TYPES; SHOW TOPICS; SHOW STREAMS EXTENDED; SHOW TABLES EXTENDED; SHOW QUERIES; SHOW PROPERTIES;', {}, { readOnly: true });
  const descriptions = catalog.flatMap((e) => (e.sourceDescriptions as Description[] | undefined) ?? []);
  const types = Object.entries(catalog.find((e) => e['@type'] === 'type_list')?.types as Record<string, FieldSchema> | undefined ?? {});
  const topics = (catalog.find((e) => e['@type'] === 'kafka_topics')?.topics as { name: string; replicaInfo: number[] }[] | undefined) ?? [];
  // schemas come from schemaRegistry.url, else from the registry the target names (ksql.schema.registry.url)
  const properties = (catalog.find((e) => e['@type'] === 'properties')?.properties as { name: string; value: string }[] | undefined) ?? [];
  const targetRegistry = properties.find((p) => p.name === 'ksql.schema.registry.url')?.value;
  const schemas = registry ?? (targetRegistry && /^https?:\/\//.test(targetRegistry) ? registryAt(targetRegistry.split(',')[0]!, registryCredentials) : undefined);
  const queries = new TargetQueries((catalog.find((e) => e['@type'] === 'queries')?.queries as TargetQuery[] | undefined) ?? [], descriptions);
  const { startLocalServer } = await import('../../engine/rest/server.js');
  // (without a processing log of its own: the target's, if it has one, is copied as its other sources are)
  const local = await startLocalServer({ port: 0, properties: { 'ksql.logging.processing.stream.auto.create': 'false' } });
  // the copy gets the properties the target gets (the configuration's)
  const client = new KsqlClient({ url: local.url, properties: target.properties });
  try {
    for (const t of topics) local.engine.topics.create(t.name, { partitions: Math.max(1, t.replicaInfo.length), replicas: Math.max(1, t.replicaInfo[0] ?? 1) });
    // the copy's own schemas (of the sinks it creates) take ids no target schema has, so a schema
    // copied in later keeps its id (a statement may name it: VALUE_SCHEMA_ID)
    local.engine.registry.reserveIdsFrom(COPY_IDS_FROM);
    // a source a CREATE ... AS SELECT query writes is made by that statement, so the copy has the
    // query too: CREATE OR REPLACE checks the upgrade against it (ksqlDB cannot upgrade a join)
    const targetQueries = (catalog.find((e) => e['@type'] === 'queries')?.queries as TargetQuery[] | undefined) ?? [];
    const byQuery = queryMadeSources(targetQueries, descriptions);
    const seed = [...types.map(([name, schema]) => `CREATE TYPE ${q(name)} AS ${sqlType(schema)};`), ...descriptions.filter((d) => !byQuery.has(d.name)).map(createStatementFor)];
    if (seed.length) await client.ksql(seed.join('\n'));
    const copyIds = await seedQueries(client, byQuery, descriptions);
    const seededIds = new Set([...copyIds.values()].map((x) => x.toUpperCase()));
    // the history stream and table, as up makes them first (IF NOT EXISTS: the target's own were
    // copied above), so a migration that takes their names fails here as it will there
    await ensureMetadata(client, s.metadata);
    for (const step of p.steps) {
      const statements = prepareMigration(step.file, s.defines, undefined, s.substitution);
      const found: DryRunMigration = { version: step.file.version, name: step.file.name, fileName: step.file.fileName, statements: statements.length, notes: [], unchecked: [] };
      migrations.push(found);
      lines.push(`-- ${versionName(step.file.version)} ${step.file.name} (${step.file.fileName})`);
      for (const note of historyNotes(step.file.fileName, statements, s.metadata)) { lines.push(`-- note: ${note}`); found.notes.push(note); }
      const unchecked = (line: number, k: number, reason: string) => {
        lines.push(`-- ? ${step.file.fileName}:${line}: statement ${k + 1}/${statements.length} ${reason}`);
        found.unchecked.push({ line, statement: k + 1, reason });
      };
      // SET and UNSET last for the rest of the file, as in the one request up sends it in; the
      // copy gets each statement alone, with the properties set before it
      const fileProps: Record<string, string> = {};
      for (const [k, st] of statements.entries()) {
        lines.push(st.text);
        const setting = propertySetting(st.text);
        if (setting?.value !== undefined) fileProps[setting.name] = setting.value;
        else if (setting) delete fileProps[setting.name];
        const fail = (message: string) => {
          // the statement went alone: a position the server names is counted from its first line,
          // and is told as the file's line, as up tells it
          let brief = briefMessage(message), line = st.line;
          const at = /^line (\d+):(\d+): /.exec(brief);
          if (at) { line = st.line + Number(at[1]) - 1; brief = `line ${line}:${at[2]}: ${brief.slice(at[0].length)}`; }
          lines.push(`-- ! ${step.file.fileName}:${line}: statement ${k + 1}/${statements.length} would fail: ${brief}`);
          found.failed = { line, statement: k + 1, reason: brief };
          return { ok: false, migrations, lines };
        };
        // the copy runs no queries: a statement about one of the target's is checked against its ids
        const control = /^\s*(TERMINATE|PAUSE|RESUME)\s+`?([\w-]+)`?\s*;\s*$/i.exec(st.text);
        const terminate = !!control && control[1]!.toUpperCase() === 'TERMINATE';
        if (control && control[2]!.toUpperCase() !== 'ALL' && queries.has(control[2]!)) {
          if (terminate) {
            queries.terminate(control[2]!);
            // the copy's own run of that query ends with it
            const copyId = copyIds.get(control[2]!.toUpperCase());
            if (copyId) await client.ksql(`TERMINATE ${copyId};`);
          }
          continue;
        }
        // the copy's runs of the target's queries have ids of its own: the target knows none of them
        if (control && !queries.has(control[2]!) && seededIds.has(control[2]!.toUpperCase())) return fail(`Unknown queryId: ${control[2]}`);
        if (terminate && control[2]!.toUpperCase() === 'ALL') queries.terminate('ALL');
        // ... and a DROP of a source they read or write is refused as the target will refuse it
        const dropped = droppedSource(st.text)?.name;
        const refusal = dropped === undefined ? undefined : queries.drop(dropped);
        if (refusal) return fail(refusal);
        // connectors go to the target's Kafka Connect, which the copy does not have
        if (/^\s*(CREATE\s+(SOURCE|SINK)\s+CONNECTOR|DROP\s+CONNECTOR)\b/i.test(st.text)) {
          unchecked(st.line, k, 'is not checked: connectors go to the target\'s Kafka Connect, which this copy does not have');
          continue;
        }
        // an ASSERT is checked at once: what it waits for on the target may come from outside
        // ksqlDB (a connector, a producer), which the copy cannot see, so only what the copy
        // already refuses (NOT EXISTS of what is there) fails the dry run
        const assertion = assertionOf(st.text);
        if (assertion) {
          const atOnce = st.text.replace(/\s+TIMEOUT\s+\d+\s+\w+\s*;?\s*$/i, ';');
          try { await client.ksql(atOnce, { ...fileProps, 'ksql.assert.topic.default.timeout.ms': 0, 'ksql.assert.schema.default.timeout.ms': 0 }); } catch (e) {
            if (!(e instanceof ServerError)) throw e;
            // a topic the copy has (made by this run, or one of the target's) with other settings
            // fails as it would on the target: waiting would not change its partitions
            if (assertion.not || e.status !== 417 || /Mismatched configuration/i.test(e.message)) return fail(e.message);
            unchecked(st.line, k, `waits on the target for what this copy cannot see (made outside ksqlDB?): ${briefMessage(e.message)}`);
          }
          continue;
        }
        // a source whose columns come from the target's Schema Registry: its schemas are copied in, then it runs again
        for (let copied = 0; ; copied++) {
          try { await client.ksql(st.text, fileProps); break; } catch (e) {
            if (!(e instanceof ServerError)) throw e;
            const subject = missingSubject(e.message);
            if (subject === undefined || copied === 2) return fail(e.message);
            if (!schemas) return fail(`${e.brief} (the dry run copies schemas from the target's Schema Registry: set schemaRegistry.url)`);
            let copiedIn: boolean;
            try { copiedIn = await copySchema(schemas, local.engine.registry, subject, st.text); } catch (err) {
              // the registry the target names may be an address only the target reaches (a container's name)
              if (err instanceof UnreachableError && !registry) return fail(`${e.brief} (the target's Schema Registry, ${schemas.url}, cannot be reached from here: set schemaRegistry.url)`);
              if (err instanceof UnreachableError || err instanceof AuthError) throw err;
              return fail(`${e.brief} (copying ${subject} from the target's Schema Registry failed: ${(err as Error).message.split('\n')[0]})`);
            }
            if (!copiedIn) return fail(`${e.brief} (nor in the target's, ${schemas.url}: it would fail there too)`);
          }
        }
      }
    }
    lines.push(`-- ${p.steps.length} migration(s) checked against a copy of the target's catalog; nothing was applied`);
    return { ok: true, migrations, lines };
  } finally {
    await client.close();
    await local.close();
  }
}
