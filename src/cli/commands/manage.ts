import { createInterface } from 'node:readline/promises';
import type { KsqlClient } from '../../client/client.js';
import { ServerError } from '../../client/client.js';
import { CliError, EXIT } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, type GlobalOptions } from '../context.js';
import { table } from '../render.js';
import { typeText } from '../schema-text.js';
import type { FieldSchema } from '../../client/entities.js';

export interface RunningQuery { id: string; queryString: string; sinks: string[]; sinkKafkaTopics: string[]; state: string; queryType: string; statusCount: Record<string, number> }
interface QueryDescription { id: string; sources: string[]; sinks: string[]; state?: string; queryErrors: unknown[]; statementText: string; ksqlHostQueryStatus: Record<string, string>; fields: { name: string; schema: FieldSchema; type?: string }[]; windowType: string | null }

/** Runs a management command with a client, mapping errors to exit codes. */
async function withClient<T>(opts: GlobalOptions, fn: (c: KsqlClient) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit(opts);
  const stop = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try { return await fn(client); } catch (e) { throw asCliError(e); } finally { await client.close(); await stop(); }
}

/** ksqlDB's name resolution: unquoted names are upper-cased; "quoted" or `quoted` keep their case. */
export function sourceName(input: string): string {
  const m = /^(["`])(.*)\1$/.exec(input);
  return m ? `\`${m[2]}\`` : input.toUpperCase();
}
const bare = (name: string) => name.replace(/^`|`$/g, '');

async function listQueries(c: KsqlClient): Promise<(RunningQuery & { sources: string[]; errors: number })[]> {
  const [list, ext] = await c.ksql('SHOW QUERIES; SHOW QUERIES EXTENDED;');
  const descriptions = new Map(((ext?.queryDescriptions ?? []) as QueryDescription[]).map((d) => [d.id, d]));
  return ((list?.queries ?? []) as RunningQuery[]).map((q) => ({ ...q, sources: descriptions.get(q.id)?.sources ?? [], errors: descriptions.get(q.id)?.queryErrors.length ?? 0 }));
}

const shorten = (s: string, n: number) => { const one = s.replace(/\s+/g, ' ').trim(); return one.length > n ? `${one.slice(0, n - 1)}…` : one; };

export async function runQueries(opts: GlobalOptions & { sink?: string; source?: string; state?: string }): Promise<number> {
  return withClient(opts, async (c) => {
    let qs = await listQueries(c);
    if (opts.sink) qs = qs.filter((q) => q.sinks.includes(bare(sourceName(opts.sink!))));
    if (opts.source) qs = qs.filter((q) => q.sources.includes(bare(sourceName(opts.source!))));
    if (opts.state) qs = qs.filter((q) => q.state.toUpperCase() === opts.state!.toUpperCase());
    if (opts.json) { process.stdout.write(`${JSON.stringify(qs, null, 2)}\n`); return EXIT.OK; }
    if (!qs.length) { process.stdout.write('no queries\n'); return EXIT.OK; }
    process.stdout.write(`${renderQueries(qs, Math.max(80, process.stdout.columns || 80), !!process.stdout.isTTY && !process.env.NO_COLOR)}\n`);
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
    if (!opts.quiet) for (const id of targets) process.stdout.write(`${verb} ${id}: ${shorten(qs.find((q) => q.id === id)!.queryString, 70)}\n`);
    if (!(await confirm(`${verb} ${targets.length} quer${targets.length === 1 ? 'y' : 'ies'}?`, opts.yes))) { process.stdout.write('nothing done\n'); return EXIT.OK; }
    for (const id of targets) {
      const [e] = await c.ksql(`${verb.toUpperCase()} ${id};`);
      const msg = (e?.commandStatus as { message?: string } | undefined)?.message ?? 'done';
      if (!opts.quiet) process.stdout.write(`${id}: ${msg}\n`);
    }
    return EXIT.OK;
  });
}

export async function runExplain(id: string, opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    let d: QueryDescription;
    try { d = (await c.ksql(`EXPLAIN ${id};`))[0]!.queryDescription as QueryDescription; } catch (e) {
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

/** The queries table; failing queries in red on a terminal. */
export function renderQueries(qs: (RunningQuery & { sources: string[] })[], width = 80, color = false): string {
  const rows = qs.map((q) => [q.id, color && q.state === 'ERROR' ? `\u001b[31m${q.state}\u001b[39m` : q.state, q.queryType, q.sinks.join(','), q.sinkKafkaTopics.join(','), q.sources.join(','), shorten(q.queryString, 60)]);
  const failing = qs.filter((q) => q.state === 'ERROR').length;
  return `${table(['ID', 'STATE', 'TYPE', 'SINKS', 'SINK TOPICS', 'SOURCES', 'QUERY'], rows, width)}\n${qs.length} quer${qs.length === 1 ? 'y' : 'ies'}${failing ? `, ${failing} failing` : ''}`;
}

export async function runDescribe(name: string, opts: GlobalOptions & { extended?: boolean }): Promise<number> {
  return withClient(opts, async (c) => {
    const n = sourceName(name);
    let d: SourceDescription;
    try { d = (await c.ksql(`DESCRIBE ${n}${opts.extended ? ' EXTENDED' : ''};`))[0]!.sourceDescription as SourceDescription; } catch (e) {
      if (e instanceof ServerError && /Could not find/.test(e.message)) throw new CliError(`unknown stream or table: ${bare(n)} (see 'ksql-migrate streams' and 'ksql-migrate tables')`, EXIT.FAILED);
      throw e;
    }
    if (opts.json) { process.stdout.write(`${JSON.stringify(d, null, 2)}\n`); return EXIT.OK; }
    process.stdout.write(`${renderSourceDescription(d, !!opts.extended, Math.max(80, process.stdout.columns || 80))}\n`);
    return EXIT.OK;
  });
}

export async function runList(what: 'streams' | 'tables' | 'topics', opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    const [e] = await c.ksql(`SHOW ${what.toUpperCase()};`);
    const items = ((what === 'topics' ? e?.topics : e?.[what]) ?? []) as Record<string, unknown>[];
    if (opts.json) { process.stdout.write(`${JSON.stringify(items, null, 2)}\n`); return EXIT.OK; }
    const rows = what === 'topics'
      ? items.map((t) => [String(t.name), String((t.replicaInfo as number[]).length), String((t.replicaInfo as number[])[0] ?? '')])
      : items.map((s) => [String(s.name), String(s.topic), String(s.keyFormat), String(s.valueFormat), s.isWindowed ? 'yes' : '']);
    const headers = what === 'topics' ? ['Topic', 'Partitions', 'Replicas'] : ['Name', 'Topic', 'Key format', 'Value format', 'Windowed'];
    process.stdout.write(rows.length ? `${table(headers, rows, Math.max(80, process.stdout.columns || 80))}\n` : `no ${what}\n`);
    return EXIT.OK;
  });
}

/** drop <source> [--cascade]: dependents first (deepest first), each step waited for. */
export async function runDrop(name: string, opts: GlobalOptions & { deleteTopic?: boolean; cascade?: boolean; yes?: boolean }): Promise<number> {
  return withClient(opts, async (c) => {
    const n = sourceName(name);
    const describe = async (src: string) => (await c.ksql(`DESCRIBE ${src};`))[0]!.sourceDescription as SourceDescription;
    let root: SourceDescription;
    try { root = await describe(n); } catch (e) {
      if (e instanceof ServerError && /Could not find/.test(e.message)) throw new CliError(`unknown stream or table: ${bare(n)}`, EXIT.FAILED);
      throw e;
    }
    const queries = await listQueries(c);
    // every query reading a source, and what it writes: the dependency graph
    const steps: { kind: 'terminate' | 'drop'; name: string; type?: string }[] = [];
    const seen = new Set<string>();
    const visit = async (d: SourceDescription) => {
      if (seen.has(d.name)) return;
      seen.add(d.name);
      for (const q of queries.filter((x) => x.sources.includes(d.name))) {
        for (const sink of q.sinks) {
          if (sink === d.name) continue;
          const writer = (await describe(`\`${sink}\``));
          if (q.id.startsWith('INSERTQUERY_') || writer.writeQueries.length > 1) steps.push({ kind: 'terminate', name: q.id });
          await visit(writer);
        }
      }
      steps.push({ kind: 'drop', name: d.name, type: d.type });
    };
    if (opts.cascade) await visit(root);
    else steps.push({ kind: 'drop', name: root.name, type: root.type });
    const plan = steps.filter((s, i) => steps.findIndex((x) => x.kind === s.kind && x.name === s.name) === i);
    if (!opts.quiet) { process.stdout.write('will run, in order:\n'); for (const s of plan) process.stdout.write(s.kind === 'drop' ? `  DROP ${s.type} ${s.name}${opts.deleteTopic ? ' DELETE TOPIC' : ''}\n` : `  TERMINATE ${s.name}\n`); }
    if (!(await confirm(`drop ${plan.filter((s) => s.kind === 'drop').length} source(s)?`, opts.yes))) { process.stdout.write('nothing done\n'); return EXIT.OK; }
    for (const s of plan) {
      try {
        const sql = s.kind === 'drop' ? `DROP ${s.type} \`${s.name}\`${opts.deleteTopic ? ' DELETE TOPIC' : ''};` : `TERMINATE ${s.name};`;
        const [e] = await c.ksql(sql);
        if (!opts.quiet) process.stdout.write(`${(e?.commandStatus as { message?: string } | undefined)?.message ?? 'done'}\n`);
      } catch (e) {
        if (e instanceof ServerError && !opts.cascade) throw new CliError(`${e.message.split('\n').join(' ')} (use --cascade to drop what depends on it)`, EXIT.FAILED);
        throw e;
      }
    }
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
