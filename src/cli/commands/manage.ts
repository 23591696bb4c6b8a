import { createInterface } from 'node:readline/promises';
import type { KsqlClient } from '../../client/client.js';
import { ServerError } from '../../client/client.js';
import { CliError, EXIT } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, type GlobalOptions } from '../context.js';
import { report, table } from '../render.js';
import { typeText } from '../schema-text.js';
import type { FieldSchema } from '../../client/entities.js';

export interface RunningQuery { id: string; queryString: string; sinks: string[]; sinkKafkaTopics: string[]; state: string; queryType: string; statusCount: Record<string, number> }
interface QueryDescription { id: string; sources: string[]; sinks: string[]; state?: string; queryErrors: unknown[]; statementText: string; ksqlHostQueryStatus: Record<string, string>; fields: { name: string; schema: FieldSchema; type?: string }[]; windowType: string | null }

/** Statements that only read: safe to send again after a dropped connection or a 503. */
const READ = { readOnly: true };

/** Runs a management command with a client, mapping errors to exit codes. */
async function withClient<T>(opts: GlobalOptions, fn: (c: KsqlClient) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit(opts);
  const stop = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try { return await fn(client); } catch (e) { throw asCliError(e); } finally { await client.close(); await stop(); }
}

/**
 * A source name as SQL, with ksqlDB's name resolution: a plain identifier is upper-cased;
 * "quoted" or `quoted` keeps its case (a backtick inside is doubled, as ksqlDB escapes it). Anything
 * else is refused, so a name can never carry another statement.
 */
export function sourceName(input: string): string {
  const m = /^(["`])(.+)\1$/s.exec(input);
  if (m) return quoteName(m[2]!);
  if (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(input)) return input.toUpperCase();
  throw new CliError(`'${input}' is not a stream or table name; quote a name with other characters, e.g. "my-name"`, EXIT.USAGE);
}
/** A name exactly as the server reports it, quoted for SQL. */
const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const bare = (name: string) => (/^`.*`$/s.test(name) ? name.slice(1, -1).replace(/``/g, '`') : name);
/** INSERT INTO ... SELECT: its sink is not its own, so dropping a source it reads leaves that sink be. */
const isInsertQuery = (q: RunningQuery) => /^\s*INSERT\s+INTO\b/i.test(q.queryString);

async function listQueries(c: KsqlClient): Promise<(RunningQuery & { sources: string[]; errors: number })[]> {
  const [list, ext] = await c.ksql('SHOW QUERIES; SHOW QUERIES EXTENDED;', {}, READ);
  const descriptions = new Map(((ext?.queryDescriptions ?? []) as QueryDescription[]).map((d) => [d.id, d]));
  return ((list?.queries ?? []) as RunningQuery[]).map((q) => ({ ...q, sources: descriptions.get(q.id)?.sources ?? [], errors: descriptions.get(q.id)?.queryErrors.length ?? 0 }));
}

/** The terminal's width, at least 80 (piped output is laid out for 80 columns). */
const outputWidth = () => Math.max(80, process.stdout.columns || 80);
const shorten = (s: string, n: number) => { const one = s.replace(/\s+/g, ' ').trim(); return one.length > n ? `${one.slice(0, n - 1)}…` : one; };

/** A query's state as a user reads it: ksqlDB's aggregate state says RUNNING for a paused query; its status counts say PAUSED. */
export function stateOf(q: RunningQuery): string {
  if (q.state === 'ERROR') return 'ERROR';
  return (q.statusCount.PAUSED ?? 0) > 0 ? 'PAUSED' : q.state;
}

export async function runQueries(opts: GlobalOptions & { sink?: string; source?: string; state?: string }): Promise<number> {
  return withClient(opts, async (c) => {
    let qs = await listQueries(c);
    if (opts.sink) qs = qs.filter((q) => q.sinks.includes(bare(sourceName(opts.sink!))));
    if (opts.source) qs = qs.filter((q) => q.sources.includes(bare(sourceName(opts.source!))));
    if (opts.state) qs = qs.filter((q) => stateOf(q) === opts.state!.toUpperCase());
    if (opts.json) { process.stdout.write(`${JSON.stringify(qs, null, 2)}\n`); return EXIT.OK; }
    if (!qs.length) { process.stdout.write('no queries\n'); return EXIT.OK; }
    process.stdout.write(`${renderQueries(qs, outputWidth(), !!process.stdout.isTTY && !process.env.NO_COLOR)}\n`);
    return EXIT.OK;
  });
}

async function confirm(question: string, yes?: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new CliError('refusing to change the server without a terminal to ask on: add --yes', EXIT.USAGE);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try { return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim()); } finally { rl.close(); }
}

export async function runQueryControl(verb: 'terminate' | 'pause' | 'resume', ids: string[], opts: GlobalOptions & { sink?: string; all?: boolean; yes?: boolean }): Promise<number> {
  return withClient(opts, async (c) => {
    const qs = await listQueries(c);
    let targets: string[];
    if (opts.all) targets = qs.map((q) => q.id);
    else if (opts.sink) targets = qs.filter((q) => q.sinks.includes(bare(sourceName(opts.sink!)))).map((q) => q.id);
    else targets = ids.map((id) => qs.find((q) => q.id.toUpperCase() === id.toUpperCase())?.id ?? id);
    if (!targets.length) throw new CliError(opts.sink ? `no query writes into ${bare(sourceName(opts.sink))}` : `${verb}: name query ids, --sink NAME or --all`, opts.sink ? EXIT.FAILED : EXIT.USAGE);
    const unknown = targets.filter((id) => !qs.some((q) => q.id === id));
    if (unknown.length) throw new CliError(`unknown query id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see 'ksql-migrate queries')`, EXIT.FAILED);
    const say = (line: string) => { if (!opts.quiet && !opts.json) process.stdout.write(`${line}\n`); };
    for (const id of targets) say(`${verb} ${id}: ${shorten(qs.find((q) => q.id === id)!.queryString, 70)}`);
    if (!(await confirm(`${verb} ${targets.length} quer${targets.length === 1 ? 'y' : 'ies'}?`, opts.yes))) { report(opts, ['nothing done'], { done: [] }); return EXIT.OK; }
    const done: { id: string; message: string }[] = [];
    for (const id of targets) {
      const [e] = await c.ksql(`${verb.toUpperCase()} ${quoteName(id)};`);
      const msg = (e?.commandStatus as { message?: string } | undefined)?.message ?? 'done';
      say(`${id}: ${msg}`);
      done.push({ id, message: msg });
    }
    if (opts.json) report(opts, [], { done });
    return EXIT.OK;
  });
}

export async function runExplain(input: string, opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    // only an id the server lists goes into the statement (ids are matched ignoring case)
    const id = (await listQueries(c)).find((q) => q.id.toUpperCase() === input.toUpperCase())?.id;
    if (id === undefined) throw new CliError(`unknown query id: ${input} (see 'ksql-migrate queries')`, EXIT.FAILED);
    let d: QueryDescription;
    try { d = (await c.ksql(`EXPLAIN ${quoteName(id)};`, {}, READ))[0]!.queryDescription as QueryDescription; } catch (e) {
      if (e instanceof ServerError && /does not exist/.test(e.message)) throw new CliError(`unknown query id: ${id} (see 'ksql-migrate queries')`, EXIT.FAILED);
      throw e;
    }
    if (opts.json) { process.stdout.write(`${JSON.stringify(d, null, 2)}\n`); return EXIT.OK; }
    const lines = [`ID:        ${d.id}`, `Sources:   ${d.sources.join(', ')}`, `Sinks:     ${d.sinks.join(', ')}`, `Window:    ${d.windowType ?? '-'}`,
      `State:     ${Object.entries(d.ksqlHostQueryStatus).map(([h, s]) => `${s} on ${h}`).join(', ') || d.state || '-'}`, '', 'Schema:',
      ...d.fields.map((f) => `  ${f.name} ${typeText(f.schema)}${f.type === 'KEY' ? ' KEY' : ''}`), '', 'Statement:', `  ${d.statementText}`];
    if (d.queryErrors.length) lines.push('', 'Errors:', ...d.queryErrors.map((x) => `  ${JSON.stringify(x)}`));
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.OK;
  });
}

export interface SourceDescription {
  name: string; type: string; fields: { name: string; schema: FieldSchema; type?: string; headerKey?: string }[]; keyFormat: string; valueFormat: string; topic: string;
  partitions: number; replication: number; timestamp: string; windowType: string | null; readQueries: RunningQuery[]; writeQueries: RunningQuery[]; statistics: string; errorStats: string;
}

/** DESCRIBE as text: a column table (nested types written out as ksqlDB writes them), then the details. */
export function renderSourceDescription(d: SourceDescription, extended: boolean, width = 80): string {
  const cols = d.fields.map((f) => [f.name, typeText(f.schema), f.type === 'KEY' ? (d.type === 'TABLE' ? 'PRIMARY KEY' : 'KEY') : f.type === 'HEADER' ? (f.headerKey ? `HEADER('${f.headerKey}')` : 'HEADERS') : '']);
  const out = [`${d.type} ${d.name}`, '', table(['Column', 'Type', ''], cols, width), '',
    `Key format:     ${d.keyFormat}`, `Value format:   ${d.valueFormat}`, `Topic:          ${d.topic} (partitions: ${d.partitions}, replication: ${d.replication})`,
    `Timestamp:      ${d.timestamp || 'record time'}`, `Window:         ${d.windowType ?? '-'}`,
    `Written by:     ${d.writeQueries.map((q) => q.id).join(', ') || '-'}`, `Read by:        ${d.readQueries.map((q) => q.id).join(', ') || '-'}`];
  if (extended) out.push(`Statistics:     ${d.statistics || '-'}`, `Errors:         ${d.errorStats || '-'}`);
  return out.join('\n').split('\n').map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join('\n');
}

/** The narrowest a table of these columns gets: ID and STATE whole, the others down to 8. */
function minWidth(headers: string[], cells: string[][], shown: number[]): number {
  return shown.reduce((n, i, k) => {
    const w = Math.max(headers[i]!.length, ...cells.map((r) => r[i]!.length));
    return n + (i <= 1 ? w : Math.min(w, 8)) + (k > 0 ? 2 : 0);
  }, 0);
}

/** The queries table; failing queries in red on a terminal. */
export function renderQueries(qs: (RunningQuery & { sources: string[] })[], width = 80, color = false): string {
  const all = ['ID', 'STATE', 'TYPE', 'SINKS', 'SINK TOPICS', 'SOURCES', 'QUERY'];
  const cells = qs.map((q) => [q.id, stateOf(q), q.queryType, q.sinks.join(','), q.sinkKafkaTopics.join(','), q.sources.join(','), shorten(q.queryString, 60)]);
  // ids are never shortened (they are passed back to terminate and explain): where the table would
  // not fit, the columns that matter least go first (type, sink topics, sources, sinks)
  let shown = all.map((_h, i) => i);
  for (const drop of [2, 4, 5, 3]) {
    if (minWidth(all, cells, shown) <= width) break;
    shown = shown.filter((i) => i !== drop);
  }
  const paint = (s: string, i: number, q: RunningQuery) => (i === 1 && color && q.state === 'ERROR' ? `\u001b[31m${s}\u001b[39m` : s);
  const rows = cells.map((r, k) => shown.map((i) => paint(r[i]!, i, qs[k]!)));
  const failing = qs.filter((q) => q.state === 'ERROR').length;
  return `${table(shown.map((i) => all[i]!), rows, width, [0, 1])}\n${qs.length} quer${qs.length === 1 ? 'y' : 'ies'}${failing ? `, ${failing} failing` : ''}`;
}

export async function runDescribe(name: string, opts: GlobalOptions & { extended?: boolean }): Promise<number> {
  return withClient(opts, async (c) => {
    const n = sourceName(name);
    let d: SourceDescription;
    try { d = (await c.ksql(`DESCRIBE ${n}${opts.extended ? ' EXTENDED' : ''};`, {}, READ))[0]!.sourceDescription as SourceDescription; } catch (e) {
      if (e instanceof ServerError && /Could not find/.test(e.message)) throw new CliError(`unknown stream or table: ${bare(n)} (see 'ksql-migrate streams' and 'ksql-migrate tables')`, EXIT.FAILED);
      throw e;
    }
    if (opts.json) { process.stdout.write(`${JSON.stringify(d, null, 2)}\n`); return EXIT.OK; }
    process.stdout.write(`${renderSourceDescription(d, !!opts.extended, outputWidth())}\n`);
    return EXIT.OK;
  });
}

export async function runList(what: 'streams' | 'tables' | 'topics', opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    const [e] = await c.ksql(`SHOW ${what.toUpperCase()};`, {}, READ);
    const items = ((what === 'topics' ? e?.topics : e?.[what]) ?? []) as Record<string, unknown>[];
    if (opts.json) { process.stdout.write(`${JSON.stringify(items, null, 2)}\n`); return EXIT.OK; }
    const rows = what === 'topics'
      ? items.map((t) => [String(t.name), String((t.replicaInfo as number[]).length), String((t.replicaInfo as number[])[0] ?? '')])
      : items.map((s) => [String(s.name), String(s.topic), String(s.keyFormat), String(s.valueFormat), s.isWindowed ? 'yes' : '']);
    const headers = what === 'topics' ? ['Topic', 'Partitions', 'Replicas'] : ['Name', 'Topic', 'Key format', 'Value format', 'Windowed'];
    process.stdout.write(rows.length ? `${table(headers, rows, outputWidth(), [0])}\n` : `no ${what}\n`);
    return EXIT.OK;
  });
}

/** drop <source> [--cascade]: dependents first (deepest first), each step waited for. */
export async function runDrop(name: string, opts: GlobalOptions & { deleteTopic?: boolean; cascade?: boolean; yes?: boolean }): Promise<number> {
  return withClient(opts, async (c) => {
    const n = sourceName(name);
    const describe = async (src: string) => (await c.ksql(`DESCRIBE ${src};`, {}, READ))[0]!.sourceDescription as SourceDescription;
    let root: SourceDescription;
    try { root = await describe(n); } catch (e) {
      if (e instanceof ServerError && /Could not find/.test(e.message)) throw new CliError(`unknown stream or table: ${bare(n)}`, EXIT.FAILED);
      throw e;
    }
    const queries = await listQueries(c);
    // every query reading a source, and what it writes: the dependency graph
    const steps: { kind: 'terminate' | 'drop'; name: string; type?: string }[] = [];
    const seen = new Set<string>();
    // a query created by CREATE ... AS SELECT from `d` makes its sink a dependent, dropped first
    // (dropping it ends that query); an INSERT INTO ... SELECT from `d` is ended, and its sink,
    // which exists on its own, stays. Before `d` itself goes, the INSERT queries writing into it end.
    const visit = async (d: SourceDescription) => {
      if (seen.has(d.name)) return;
      seen.add(d.name);
      for (const q of queries.filter((x) => x.sources.includes(d.name))) {
        if (isInsertQuery(q)) { steps.push({ kind: 'terminate', name: q.id }); continue; }
        for (const sink of q.sinks) if (sink !== d.name) await visit(await describe(quoteName(sink)));
      }
      for (const q of queries.filter((x) => x.sinks.includes(d.name) && isInsertQuery(x))) steps.push({ kind: 'terminate', name: q.id });
      steps.push({ kind: 'drop', name: d.name, type: d.type });
    };
    if (opts.cascade) await visit(root);
    else steps.push({ kind: 'drop', name: root.name, type: root.type });
    const plan = steps.filter((s, i) => steps.findIndex((x) => x.kind === s.kind && x.name === s.name) === i);
    const say = (line: string) => { if (!opts.quiet && !opts.json) process.stdout.write(`${line}\n`); };
    say('will run, in order:');
    for (const s of plan) say(s.kind === 'drop' ? `  DROP ${s.type} ${s.name}${opts.deleteTopic ? ' DELETE TOPIC' : ''}` : `  TERMINATE ${s.name}`);
    if (!(await confirm(`drop ${plan.filter((s) => s.kind === 'drop').length} source(s)?`, opts.yes))) { report(opts, ['nothing done'], { done: [] }); return EXIT.OK; }
    const done: { step: string; message: string }[] = [];
    for (const s of plan) {
      try {
        const sql = s.kind === 'drop' ? `DROP ${s.type} ${quoteName(s.name)}${opts.deleteTopic ? ' DELETE TOPIC' : ''};` : `TERMINATE ${quoteName(s.name)};`;
        const [e] = await c.ksql(sql);
        const message = (e?.commandStatus as { message?: string } | undefined)?.message ?? 'done';
        say(message);
        done.push({ step: sql, message });
      } catch (e) {
        if (e instanceof ServerError && !opts.cascade) throw new CliError(`${e.message.split('\n').join(' ')} (use --cascade to drop what depends on it)`, EXIT.FAILED);
        throw e;
      }
    }
    if (opts.json) report(opts, [], { done });
    return EXIT.OK;
  });
}

export async function runServerInfo(opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    const [info, health] = await Promise.all([c.info(), c.health()]);
    if (opts.json) { process.stdout.write(`${JSON.stringify({ ...info, health }, null, 2)}\n`); return EXIT.OK; }
    const lines = [`Version:          ${info.version}`, `Kafka cluster id: ${info.kafkaClusterId}`, `Service id:       ${info.ksqlServiceId}`, `Status:           ${info.serverStatus ?? '-'}`,
      `Health:           ${health.isHealthy ? 'healthy' : 'UNHEALTHY'}`, ...Object.entries(health.details).map(([k, v]) => `  ${k}: ${v.isHealthy ? 'healthy' : 'UNHEALTHY'}`)];
    process.stdout.write(`${lines.join('\n')}\n`);
    return health.isHealthy ? EXIT.OK : EXIT.FAILED;
  });
}
