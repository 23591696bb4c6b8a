import { createInterface } from 'node:readline/promises';
import type { KsqlClient } from '../../client/client.js';
import { ServerError, UnreachableError } from '../../client/client.js';
import { CliError, EXIT, progress } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, secretRedactor, startEmbedded, type GlobalOptions } from '../context.js';
import { formatTime, report, table, terminalColumns } from '../render.js';
import { quoteName, sqlName, typeText } from '../schema-text.js';
import type { FieldSchema } from '../../client/entities.js';
import type { Config } from '../../config/config.js';

export interface RunningQuery { id: string; queryString: string; sinks: string[]; sinkKafkaTopics: string[]; state: string; queryType: string; statusCount: Record<string, number> }
export interface QueryDescription { id: string; sources: string[]; sinks: string[]; state?: string; queryErrors: unknown[]; statementText: string; ksqlHostQueryStatus: Record<string, string>; fields: { name: string; schema: FieldSchema; type?: string }[]; windowType: string | null; executionPlan?: string; topology?: string; overriddenProperties?: Record<string, unknown> }

/** Statements that only read: safe to send again after a dropped connection or a 503. */
const READ = { readOnly: true };

/**
 * What this command prints: query texts and statements may hold what a secret-named variable put
 * there (WHERE T.TOK = '...'): they are masked as --verbose masks requests.
 */
let redact = (text: string): string => text;
const write = (text: string) => process.stdout.write(redact(text));

/** Runs a management command with a client, mapping errors to exit codes. */
async function withClient<T>(opts: GlobalOptions, fn: (c: KsqlClient, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit(opts);
  redact = secretRedactor(config, opts);
  const stop = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try { return await fn(client, config); } catch (e) { throw asCliError(e); } finally { await client.close(); await stop(); }
}

/**
 * A source name as SQL, with ksqlDB's name resolution: a plain identifier is upper-cased;
 * "quoted" or `quoted` keeps its case (a backtick inside is doubled, as ksqlDB escapes it). Anything
 * else is refused, so a name can never carry another statement.
 */
export function sourceName(input: string): string {
  // quoted: case kept; ksqlDB's source names hold letters, digits, '_' and '-' only, so anything else
  // (an unbalanced quote, a space) is no name it can have
  const m = /^(["`])(.+)\1$/s.exec(input);
  if (m) {
    if (!/^[A-Za-z0-9_-]+$/.test(m[2]!)) throw new CliError(`'${input}' is not a stream or table name: a quoted name holds letters, digits, '_' and '-' only`, EXIT.USAGE);
    return quoteName(m[2]!);
  }
  // upper-cased as ksqlDB reads it, then quoted, so a name that is also a keyword (STREAMS, SELECT)
  // names a source rather than changing the statement
  if (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(input)) return quoteName(input.toUpperCase());
  // digit-led, as ksqlDB's grammar reads `1abc` (not a number, nor one with an exponent such as 1e5)
  if (/^[0-9]+[A-Za-z_][A-Za-z0-9_@]*$/.test(input) && !/^[0-9]+[eE][0-9]+$/.test(input)) return quoteName(input.toUpperCase());
  throw new CliError(`'${input}' is not a stream or table name; quote a name with other characters, e.g. "my-name"`, EXIT.USAGE);
}
const bare = (name: string) => (/^`.*`$/s.test(name) ? name.slice(1, -1).replace(/``/g, '`') : name);
/** INSERT INTO ... SELECT: its sink is not its own, so dropping a source it reads leaves that sink be. */
const isInsertQuery = (q: RunningQuery) => /^\s*INSERT\s+INTO\b/i.test(q.queryString);

/** A push query a client is streaming: SHOW QUERIES lists it too, but it is not a persistent query. */
const isPersistent = (q: RunningQuery) => q.queryType !== 'PUSH';

async function listQueries(c: KsqlClient): Promise<(RunningQuery & { sources: string[]; errors: number })[]> {
  const [list, ext] = await c.ksql('SHOW QUERIES; SHOW QUERIES EXTENDED;', {}, READ);
  const descriptions = new Map(((ext?.queryDescriptions ?? []) as QueryDescription[]).map((d) => [d.id, d]));
  return ((list?.queries ?? []) as RunningQuery[]).map((q) => ({ ...q, sources: descriptions.get(q.id)?.sources ?? [], errors: descriptions.get(q.id)?.queryErrors.length ?? 0 }));
}

/** A listing's text on stdout, unless --quiet (which prints only errors; the exit code still tells). */
const show = (opts: { quiet?: boolean }, text: string) => { if (!opts.quiet) write(`${text}\n`); };

/** The terminal's width (at least 20); piped output is laid out for $COLUMNS when set, else 80 columns. */
const outputWidth = () => Math.max(20, process.stdout.columns || terminalColumns() || 80);
const shorten = (s: string, n: number) => { const one = s.replace(/\s+/g, ' ').trim(); return one.length > n ? `${one.slice(0, n - 1)}…` : one; };

/** A query's state as a user reads it: ksqlDB's aggregate state says RUNNING for a paused query; its status counts say PAUSED. */
export function stateOf(q: RunningQuery): string {
  if (q.state === 'ERROR') return 'ERROR';
  // (statuses per host: one host's ERROR is the aggregate's already; the others by how much they tell)
  for (const s of ['UNRESPONSIVE', 'PENDING_SHUTDOWN', 'PAUSED']) if ((q.statusCount[s] ?? 0) > 0) return s;
  return q.state;
}

export async function runQueries(opts: GlobalOptions & { sink?: string; source?: string; state?: string }): Promise<number> {
  // a usage error is one before anything is contacted
  const states = ['RUNNING', 'PAUSED', 'ERROR', 'UNRESPONSIVE', 'PENDING_SHUTDOWN'];
  if (opts.state !== undefined && !states.includes(opts.state.toUpperCase())) throw new CliError(`--state: expected one of ${states.join(', ')}, got '${opts.state}'`, EXIT.USAGE);
  for (const flag of ['sink', 'source'] as const) if (opts[flag] !== undefined && opts[flag]!.trim() === '') throw new CliError(`--${flag}: expected a stream or table name`, EXIT.USAGE);
  return withClient(opts, async (c) => {
    let qs = (await listQueries(c)).filter(isPersistent);
    if (opts.sink) qs = qs.filter((q) => q.sinks.includes(bare(sourceName(opts.sink!))));
    if (opts.source) qs = qs.filter((q) => q.sources.includes(bare(sourceName(opts.source!))));
    if (opts.state) qs = qs.filter((q) => stateOf(q) === opts.state!.toUpperCase());
    // no query for a name: an unknown stream or table is an error (exit 1), a known one just has none
    if (!qs.length) {
      for (const name of [opts.sink, opts.source]) {
        if (!name) continue;
        try { await c.ksql(`DESCRIBE ${sourceName(name)};`, {}, READ); } catch (e) {
          throw unknownSource(e, sourceName(name));
        }
      }
    }
    // (the state as the text shows it: ksqlDB's aggregate state says RUNNING for a paused query)
    if (opts.json) { write(`${JSON.stringify(qs.map((q) => ({ ...q, state: stateOf(q) })), null, 2)}\n`); return EXIT.OK; }
    if (!qs.length) { show(opts, 'no queries'); return EXIT.OK; }
    show(opts, renderQueries(qs, outputWidth(), !!process.stdout.isTTY && !process.env.NO_COLOR));
    return EXIT.OK;
  });
}

/**
 * Shows the plan and asks on the terminal, unless --yes. Asking, the plan and the question go to
 * stderr, so stdout (--json, a redirect) carries only the result; with --yes the plan is part of it.
 */
export async function confirm(plan: string[], question: string, opts: { yes?: boolean; quiet?: boolean; json?: boolean }): Promise<boolean> {
  if (opts.yes) {
    if (!opts.quiet && !opts.json && plan.length) write(`${plan.join('\n')}\n`);
    return true;
  }
  // the plan is shown even when there is no terminal to ask on: a way to preview what --yes would do
  if (plan.length) process.stderr.write(redact(`${plan.join('\n')}\n`));
  if (!process.stdin.isTTY) throw new CliError('refusing to change the server without a terminal to ask on: add --yes', EXIT.USAGE);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try { return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim()); } catch (e) {
    // Ctrl-C at the question (the terminal in raw mode sends it to readline, not as a signal): interrupted, nothing done
    if ((e as Error).name === 'AbortError') throw new CliError('interrupted: nothing was done', EXIT.INTERRUPTED);
    throw e;
  } finally { rl.close(); }
}

export async function runQueryControl(verb: 'terminate' | 'pause' | 'resume', ids: string[], opts: GlobalOptions & { sink?: string; all?: boolean; yes?: boolean }): Promise<number> {
  return withClient(opts, async (c, config) => {
    const chosen = [ids.length > 0, !!opts.sink, !!opts.all].filter(Boolean).length;
    if (chosen !== 1) throw new CliError(`${verb}: name query ids, --sink NAME or --all${chosen > 1 ? ', only one of them' : ''}`, EXIT.USAGE);
    const qs = await listQueries(c);
    // the query that keeps the migration history table (Confluent's tool reads the history from it)
    // is not stopped: named, it is refused; --all leaves it running
    const historyTable = config.metadata.table.toUpperCase();
    const keepsHistory = (q: { sinks: string[] }) => verb !== 'resume' && q.sinks.some((x) => x.toUpperCase() === historyTable);
    let targets: string[];
    // --all and --sink take persistent queries; an id may also name a push query a client streams
    // (--all resumes only what is paused)
    // a CREATE SOURCE TABLE's query (CST_...) lives as long as its table: ksqlDB refuses to stop it
    // alone, and its own TERMINATE ALL leaves it running, as --all does
    const keepsSourceTable = (q: { id: string }) => /^CST_/i.test(q.id);
    const leftRunning = opts.all && verb !== 'resume' ? qs.filter((q) => isPersistent(q) && (keepsSourceTable(q) || keepsHistory(q))).map((q) => q.id) : [];
    if (opts.all) targets = qs.filter((q) => isPersistent(q) && !keepsHistory(q) && !(verb !== 'resume' && keepsSourceTable(q)) && (verb !== 'resume' || (q.statusCount.PAUSED ?? 0) > 0)).map((q) => q.id);
    else if (opts.sink) targets = qs.filter((q) => isPersistent(q) && q.sinks.includes(bare(sourceName(opts.sink!)))).map((q) => q.id);
    else targets = ids.map((id) => qs.find((q) => q.id.toUpperCase() === id.toUpperCase())?.id ?? id);
    targets = [...new Set(targets)];
    if (!targets.length && opts.sink) {
      // a name that is no stream or table is said to be so, as `queries --sink` says it
      try { await c.ksql(`DESCRIBE ${sourceName(opts.sink)};`, {}, READ); } catch (e) { throw unknownSource(e, sourceName(opts.sink)); }
      throw new CliError(`no query writes into ${bare(sourceName(opts.sink))}`, EXIT.FAILED);
    }
    const leftLines = leftRunning.map((id) => (keepsSourceTable({ id }) ? `${id}: left running (it keeps a source table: DROP TABLE removes it with its query)`
      : `${id}: left running (it keeps the migration history table ${historyTable})`));
    if (!targets.length) { report(opts, [`no queries to ${verb}`, ...leftLines], { done: [], ...(leftRunning.length ? { leftRunning } : {}) }); return EXIT.OK; }
    const unknown = targets.filter((id) => !qs.some((q) => q.id === id));
    if (unknown.length) throw new CliError(`unknown query id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see 'ksql-migrate queries')`, EXIT.FAILED);
    const history = targets.find((id) => keepsHistory(qs.find((q) => q.id === id)!));
    if (history) throw new CliError(`${verb}: ${history} keeps the migration history table ${historyTable} (metadata.table), which Confluent's ksql-migrations reads: it is not ${verb === 'pause' ? 'paused' : 'terminated'} (to remove the history, 'ksql-migrate metadata destroy')`, EXIT.FAILED);
    // named, a source table's query is refused before anything is stopped (the server would refuse it part way)
    // a push query is stopped only (TERMINATE): ksqlDB pauses and resumes persistent queries
    const push = verb === 'terminate' ? undefined : targets.find((id) => !isPersistent(qs.find((q) => q.id === id)!));
    if (push) throw new CliError(`${verb}: ${push} is a push query a client is streaming; ${verb} takes persistent queries (terminate ends it): nothing was ${verb === 'pause' ? 'paused' : 'resumed'}`, EXIT.FAILED);
    const sourceTable = verb === 'resume' ? undefined : targets.find((id) => keepsSourceTable({ id }));
    if (sourceTable) throw new CliError(`${verb}: ${sourceTable} keeps a source table, and stops only with it (DROP TABLE removes it with its query): nothing was ${verb === 'pause' ? 'paused' : 'terminated'}`, EXIT.FAILED);
    const say = (line: string) => { if (!opts.quiet && !opts.json) write(`${line}\n`); };
    // each line fits the terminal ($COLUMNS when piped), as the listing does: the id whole, the query's text cut to what is left
    const width = (opts.yes ? process.stdout : process.stderr).columns || terminalColumns() || 80;
    const plan = targets.map((id) => { const head = `${verb} ${id}: `; return `${head}${shorten(qs.find((q) => q.id === id)!.queryString, Math.max(20, width - head.length))}`; });
    if (!(await confirm(plan, `${verb} ${targets.length} quer${targets.length === 1 ? 'y' : 'ies'}?`, opts))) { report(opts, ['nothing done'], { done: [] }); return EXIT.OK; }
    const done = await runInOrder(c, targets.map((id) => ({ sql: `${verb.toUpperCase()} ${quoteName(id)};`, label: id })), say, (step, message) => ({ id: step.label, message }));
    for (const line of leftLines) say(line);
    if (opts.json) report(opts, [], { done, ...(leftRunning.length ? { leftRunning } : {}) });
    return EXIT.OK;
  });
}

/** A query error as ksqlDB reports it ({timestamp, errorMessage, type}): its time, kind and message. */
function errorLine(x: unknown): string {
  const e = x as { timestamp?: number; errorMessage?: string; type?: string };
  if (typeof e?.errorMessage !== 'string') return `  ${JSON.stringify(x)}`;
  const when = typeof e.timestamp === 'number' ? `${formatTime(String(e.timestamp))} ` : '';
  return `  ${when}${e.type ?? 'UNKNOWN'}: ${e.errorMessage.replace(/\s+/g, ' ').trim()}`;
}

/**
 * Text as its own lines, each broken at a space into lines of at most `width` (a word longer than
 * that stands alone). Nothing else changes: runs of spaces (inside a string literal, say) stay.
 */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  for (const whole of text.split('\n')) {
    let rest = whole.trimEnd();
    while (rest.length > width) {
      const cut = rest.lastIndexOf(' ', width);
      const at = cut > 0 ? cut : rest.indexOf(' ', width);
      if (at <= 0) break;
      out.push(rest.slice(0, at));
      rest = rest.slice(at + 1);
    }
    out.push(rest);
  }
  return out;
}

export async function runExplain(input: string, opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    // only an id the server lists goes into the statement (ids are matched ignoring case)
    const q = (await listQueries(c)).find((x) => x.id.toUpperCase() === input.toUpperCase());
    if (q === undefined) throw new CliError(`unknown query id: ${input} (see 'ksql-migrate queries')`, EXIT.FAILED);
    if (!isPersistent(q)) throw new CliError(`${q.id} is a push query a client is streaming; explain describes persistent queries`, EXIT.FAILED);
    const id = q.id;
    let d: QueryDescription;
    try { d = (await c.ksql(`EXPLAIN ${quoteName(id)};`, {}, READ))[0]!.queryDescription as QueryDescription; } catch (e) {
      if (e instanceof ServerError && /does not exist/.test(e.message)) throw new CliError(`unknown query id: ${id} (see 'ksql-migrate queries')`, EXIT.FAILED);
      throw e;
    }
    if (opts.json) { write(`${JSON.stringify(d, null, 2)}\n`); return EXIT.OK; }
    show(opts, renderExplain(d, outputWidth()));
    return EXIT.OK;
  });
}

/** EXPLAIN as text: sources, sinks, window, state per host, schema, the statement wrapped to the width, errors. */
export function renderExplain(d: QueryDescription, width = 80): string {
    const lines = [`ID:        ${d.id}`, `Sources:   ${d.sources.join(', ')}`, `Sinks:     ${d.sinks.join(', ')}`, `Window:    ${d.windowType ?? '-'}`,
      `State:     ${Object.entries(d.ksqlHostQueryStatus).map(([h, s]) => `${s} on ${h}`).join(', ') || d.state || '-'}`, '', 'Schema:',
      ...d.fields.map((f) => `  ${f.name} ${typeText(f.schema)}${f.type === 'KEY' ? ' KEY' : ''}`), '', 'Statement:', ...wrapWords(d.statementText, width - 2).map((l) => `  ${l}`)];
    if (d.queryErrors.length) lines.push('', 'Errors:', ...d.queryErrors.map(errorLine));
    // the properties its request overrode, as ksqlDB's CLI lists them
    const overridden = Object.entries(d.overriddenProperties ?? {});
    if (overridden.length) lines.push('', 'Overridden properties:', ...overridden.map(([k, v]) => `  ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`));
    // the server's execution plan and Kafka Streams topology, as ksqlDB's CLI prints them (steps nest by tabs: two spaces here)
    if (d.executionPlan?.trim()) lines.push('', 'Execution plan:', ...d.executionPlan!.trimEnd().split('\n').map((l) => `  ${l.replace(/\t/g, '  ')}`));
    if (d.topology?.trim()) lines.push('', 'Topology:', ...d.topology!.trimEnd().split('\n').map((l) => (l ? `  ${l}` : l)));
    return lines.join('\n');
}

interface HostStat { name: string; host: string; value: number; timestamp: number }
export interface SourceDescription {
  name: string; type: string; fields: { name: string; schema: FieldSchema; type?: string; headerKey?: string }[]; keyFormat: string; valueFormat: string; topic: string;
  partitions: number; replication: number; timestamp: string; windowType: string | null; readQueries: RunningQuery[]; writeQueries: RunningQuery[]; statistics: string; errorStats: string;
  clusterStatistics?: HostStat[]; clusterErrorStats?: HostStat[];
  /** Streams and tables made from this one by CREATE ... AS SELECT (not sent by servers before 0.22). */
  sourceConstraints?: string[];
  /** The statement that made it (CREATE SOURCE ... for a read-only source). */
  statement?: string;
}

/**
 * Wraps a type across lines of at most `width` (`restWidth` after the first), breaking after ", " or "<" where it can (a nested
 * STRUCT reads field by field), mid-word only where a piece alone is wider.
 */
export function wrapType(text: string, width: number, restWidth = width): string[] {
  const lines: string[] = [];
  let rest = text;
  for (let w = width; rest.length > w; w = restWidth) {
    let cut = -1;
    for (const sep of [', ', '<']) { const i = rest.lastIndexOf(sep, w - sep.length); if (i > 0) cut = Math.max(cut, i + sep.length); }
    if (cut <= 0) cut = w;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  lines.push(rest);
  return lines;
}

/** ksqlDB's statistics text without the deprecation notice it starts with, one stat a line. */
const statsText = (s: string) => s.split('\n').filter((l) => l.trim() && !/field is deprecated/.test(l)).map((l) => l.trim());

/** DESCRIBE as text: a column table (nested types written out as ksqlDB writes them, wrapped), then the details. */
export function renderSourceDescription(d: SourceDescription, extended: boolean, width = 80): string {
  const marker = (f: SourceDescription['fields'][number]) => (f.type === 'KEY' ? (d.type === 'TABLE' ? 'PRIMARY KEY' : 'KEY') : f.type === 'HEADER' ? (f.headerKey ? `HEADER('${f.headerKey}')` : 'HEADERS') : '');
  // names are whole unless the line cannot hold them beside a usable type column
  const markW = Math.max(0, ...d.fields.map((f) => marker(f).length));
  const nameW = Math.min(Math.max(6, ...d.fields.map((f) => f.name.length)), Math.max(12, width - 24 - (markW ? markW + 2 : 0)));
  const typeW = Math.min(Math.max(4, ...d.fields.map((f) => typeText(f.schema).length)), Math.max(20, width - nameW - 2 - (markW ? markW + 2 : 0)));
  const columns: string[] = [`${'Column'.padEnd(nameW)}  ${'Type'.padEnd(typeW)}`.trimEnd()];
  for (const f of d.fields) {
    // continuation lines are indented two more than the first: they wrap two narrower
    const types = wrapType(typeText(f.schema), typeW, typeW - 2);
    const name = f.name.length > nameW ? `${f.name.slice(0, nameW - 1)}…` : f.name;
    columns.push(`${name.padEnd(nameW)}  ${types[0]!.padEnd(typeW)}  ${marker(f)}`.trimEnd());
    for (const more of types.slice(1)) columns.push(`${''.padEnd(nameW)}    ${more}`.trimEnd());
  }
  const ids = (qs: RunningQuery[]) => qs.map((q) => (q.state === 'ERROR' ? `${q.id} (ERROR)` : q.id)).join(', ') || '-';
  const details = [`Key format:     ${d.keyFormat}`, `Value format:   ${d.valueFormat}`, `Topic:          ${d.topic} (partitions: ${d.partitions}, replication: ${d.replication})`,
    `Timestamp:      ${d.timestamp || 'record time'}`, `Window:         ${d.windowType ?? '-'}`,
    `Written by:     ${ids(d.writeQueries)}`, `Read by:        ${ids(d.readQueries)}`];
  if (extended) {
    const perHost = (xs: HostStat[] | undefined) => (xs ?? []).map((x) => `  ${x.host}: ${x.name} ${x.value}`);
    const stats = statsText(d.statistics ?? ''), errors = statsText(d.errorStats ?? '');
    const block = (title: string, lines: string[], hosts: HostStat[] | undefined) => (lines.length || hosts?.length
      ? [`${title}:`, ...lines.map((l) => `  ${l}`), ...perHost(hosts)] : [`${title}:`.padEnd(16) + '-']);
    details.push('', ...block('Statistics', stats, d.clusterStatistics), ...block('Errors', errors, d.clusterErrorStats));
  }
  // the column table is laid out to fit; a longer details line goes on below its value
  return [`${d.type} ${d.name}`, '', ...columns, '', ...details.flatMap((l) => wrapDetail(l, width))].join('\n');
}

/**
 * A details line within `width`: what does not fit goes on to lines indented under the value
 * (a label's 16 columns, else two more than the line's own indent), broken at spaces, so a list
 * breaks after its commas. A word longer than the line stays whole: query ids are never cut.
 */
export function wrapDetail(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const label = /^[A-Z][\w ]*:\s+/.exec(line)?.[0];
  const lead = label ?? /^\s*/.exec(line)![0];
  const indent = ' '.repeat(label ? label.length : lead.length + 2);
  const out: string[] = [];
  let cur = lead, empty = true;
  for (const word of line.slice(lead.length).split(' ').filter(Boolean)) {
    if (!empty && cur.length + 1 + word.length > width) { out.push(cur); cur = indent; empty = true; }
    cur += (empty ? '' : ' ') + word;
    empty = false;
  }
  out.push(cur);
  return out;
}

/**
 * How wide a table of these columns is with each column whole, except the query string, which may
 * give way down to `QUERY_MIN` (it is shortened anyway; the other columns are read whole).
 */
const QUERY_MIN = 20;
function wholeWidth(headers: string[], cells: string[][], shown: number[]): number {
  return shown.reduce((n, i) => {
    const w = Math.max(headers[i]!.length, ...cells.map((r) => r[i]!.length));
    // two spaces between columns, as table() counts its width
    return n + (headers[i] === 'QUERY' ? Math.min(w, QUERY_MIN) : w) + 2;
  }, -2);
}

/** The queries table; failing queries in red on a terminal. */
export function renderQueries(qs: (RunningQuery & { sources: string[] })[], width = 80, color = false): string {
  const all = ['ID', 'STATE', 'TYPE', 'SINKS', 'SINK TOPICS', 'SOURCES', 'QUERY'];
  const cells = qs.map((q) => [q.id, stateOf(q), q.queryType, q.sinks.join(','), q.sinkKafkaTopics.join(','), q.sources.join(','), shorten(q.queryString, 60)]);
  // ids are never shortened (they are passed back to terminate and explain): where the table would
  // not fit, the columns that matter least go first (type, sink topics, sources, sinks)
  let shown = all.map((_h, i) => i);
  for (const drop of [2, 4, 5, 3]) {
    if (wholeWidth(all, cells, shown) <= width) break;
    shown = shown.filter((i) => i !== drop);
  }
  const rows = cells.map((r) => shown.map((i) => r[i]!));
  // (painted once laid out: the colour's codes take no room on the screen)
  const paint = (s: string, row: number, col: number) => (shown[col] === 1 && color && qs[row]!.state === 'ERROR' ? `\u001b[31m${s}\u001b[39m` : s);
  const failing = qs.filter((q) => q.state === 'ERROR').length;
  // once the columns fit, only the query string gives way; else the widest does (ids never)
  const keep = wholeWidth(all, cells, shown) <= width ? shown.map((_i, k) => k).filter((k) => all[shown[k]!] !== 'QUERY') : [0, 1];
  return `${table(shown.map((i) => all[i]!), rows, width, keep, paint)}\n${qs.length} quer${qs.length === 1 ? 'y' : 'ies'}${failing ? `, ${failing} failing` : ''}`;
}

/** A DESCRIBE's failure: a source the server does not know is exit 1 naming it; anything else as it is. */
function unknownSource(e: unknown, name: string): unknown {
  return e instanceof ServerError && /Could not find/.test(e.message) ? new CliError(`unknown stream or table: ${bare(name)} (see 'ksql-migrate streams' and 'ksql-migrate tables')`, EXIT.FAILED) : e;
}

export async function runDescribe(name: string, opts: GlobalOptions & { extended?: boolean }): Promise<number> {
  return withClient(opts, async (c) => {
    const n = sourceName(name);
    let d: SourceDescription;
    try { d = (await c.ksql(`DESCRIBE ${n}${opts.extended ? ' EXTENDED' : ''};`, {}, READ))[0]!.sourceDescription as SourceDescription; } catch (e) {
      throw unknownSource(e, n);
    }
    if (opts.json) { write(`${JSON.stringify(d, null, 2)}\n`); return EXIT.OK; }
    show(opts, renderSourceDescription(d, !!opts.extended, outputWidth()));
    return EXIT.OK;
  });
}

export async function runList(what: 'streams' | 'tables' | 'topics', opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    const [e] = await c.ksql(`SHOW ${what.toUpperCase()};`, {}, READ);
    const items = ((what === 'topics' ? e?.topics : e?.[what]) ?? []) as Record<string, unknown>[];
    if (opts.json) { write(`${JSON.stringify(items, null, 2)}\n`); return EXIT.OK; }
    const rows = what === 'topics'
      ? items.map((t) => [String(t.name), String((t.replicaInfo as number[]).length), String((t.replicaInfo as number[])[0] ?? '')])
      : items.map((s) => [String(s.name), String(s.topic), String(s.keyFormat), String(s.valueFormat), s.isWindowed ? 'yes' : '']);
    const headers = what === 'topics' ? ['Topic', 'Partitions', 'Replicas'] : ['Name', 'Topic', 'Key format', 'Value format', 'Windowed'];
    // names and topics stay whole (they are what other tools are given); the formats give way
    show(opts, rows.length ? table(headers, rows, outputWidth(), what === 'topics' ? [0] : [0, 1]) : `no ${what}`);
    return EXIT.OK;
  });
}

/** drop <source> [--cascade]: dependents first (deepest first), each step waited for. */
export async function runDrop(name: string, opts: GlobalOptions & { deleteTopic?: boolean; cascade?: boolean; yes?: boolean }): Promise<number> {
  return withClient(opts, async (c, config) => {
    const n = sourceName(name);
    const describe = async (src: string) => (await c.ksql(`DESCRIBE ${src};`, {}, READ))[0]!.sourceDescription as SourceDescription;
    let root: SourceDescription;
    try { root = await describe(n); } catch (e) {
      if (e instanceof ServerError && /Could not find/.test(e.message)) throw new CliError(`unknown stream or table: ${bare(n)}`, EXIT.FAILED);
      throw e;
    }
    const queries = (await listQueries(c)).filter(isPersistent);
    // a query created by CREATE ... AS SELECT ends when its sink is dropped; an INSERT INTO ... SELECT
    // must be terminated first. A source is in use while a query reads it or an INSERT writes into it.
    const readers = (d: string) => queries.filter((q) => q.sources.includes(d) && !(q.sinks.includes(d) && !isInsertQuery(q)));
    const inserters = (d: string) => queries.filter((q) => q.sinks.includes(d) && isInsertQuery(q));
    // a stream or table made from it by CREATE ... AS SELECT holds it even once its query is terminated
    const madeFrom = (d: SourceDescription) => (d.sourceConstraints ?? []).filter((x) => !readers(d.name).some((q) => q.sinks.includes(x)));
    // the migration history goes only through `metadata destroy` (said first: --cascade would not help)
    const isHistory = (x: string) => [config.metadata.stream, config.metadata.table].some((h) => h.toUpperCase() === x.toUpperCase());
    const historyText = (x: string) => `drop: this would drop ${x}, the migration history (metadata.${x.toUpperCase() === config.metadata.stream.toUpperCase() ? 'stream' : 'table'}): use 'ksql-migrate metadata destroy', which checks no run holds its lock`;
    if (isHistory(root.name)) throw new CliError(historyText(root.name), EXIT.FAILED);
    if (!opts.cascade) {
      const uses = [...readers(root.name).map((q) => (isInsertQuery(q) ? `${q.id} reads it` : `${q.sinks.join(', ')} (${q.id}) reads it`)), ...inserters(root.name).map((q) => `${q.id} writes into it`),
        ...madeFrom(root).map((x) => `${x} was made from it (its query terminated)`)];
      if (uses.length) throw new CliError(`Cannot drop ${root.name}: ${uses.join('; ')} (use --cascade to drop what depends on it)`, EXIT.FAILED);
    }
    const steps: { kind: 'terminate' | 'drop'; name: string; type?: string; ends?: string[] }[] = [];
    const seen = new Set<string>();
    const described = new Map<string, SourceDescription>();
    // dependents first, deepest first: a query reading `d` is ended with its sink's drop (or on its
    // own, for an INSERT); then the INSERT queries writing into `d`; then `d` with its own query
    const visit = async (d: SourceDescription) => {
      if (seen.has(d.name)) return;
      seen.add(d.name);
      described.set(d.name, d);
      for (const q of readers(d.name)) {
        if (isInsertQuery(q)) { steps.push({ kind: 'terminate', name: q.id }); continue; }
        for (const sink of q.sinks) await visit(await describe(quoteName(sink)));
      }
      for (const x of madeFrom(d)) await visit(await describe(quoteName(x)));
      for (const q of inserters(d.name)) steps.push({ kind: 'terminate', name: q.id });
      const own = queries.filter((q) => q.sinks.includes(d.name) && !isInsertQuery(q)).map((q) => q.id);
      steps.push({ kind: 'drop', name: d.name, type: d.type, ends: own });
    };
    await visit(root);
    const plan = steps.filter((s, i) => steps.findIndex((x) => x.kind === s.kind && x.name === s.name) === i);
    // ... as a cascade that reaches it does (`metadata destroy` shows what is lost and refuses while a run holds its lock)
    const history = plan.find((s) => s.kind === 'drop' && isHistory(s.name));
    if (history) throw new CliError(historyText(history.name), EXIT.FAILED);
    // what ksqlDB refuses to a DROP ... DELETE TOPIC is refused before anything is dropped, not after
    // the dependents went: a read-only source's topic, and a topic another source still uses when its turn comes
    if (opts.deleteTopic) await refuseTopicDeletes(c, plan.filter((s) => s.kind === 'drop').map((s) => described.get(s.name)!));
    // (names as the statement spells them: DROP STREAM Orders would be ORDERS)
    const dropSql = (s: (typeof plan)[number]) => `DROP ${s.type} ${sqlName(s.name)}${opts.deleteTopic ? ' DELETE TOPIC' : ''}`;
    const lines = ['will run, in order:', ...plan.map((s) => (s.kind === 'drop' ? `  ${dropSql(s)}${s.ends?.length ? `  (ends ${s.ends.join(', ')})` : ''}` : `  TERMINATE ${s.name}`))];
    const sources = plan.filter((s) => s.kind === 'drop').length;
    if (!(await confirm(lines, `drop ${sources} source${sources === 1 ? '' : 's'}?`, opts))) { report(opts, ['nothing done'], { done: [] }); return EXIT.OK; }
    const say = (line: string) => { if (!opts.quiet && !opts.json) write(`${line}\n`); };
    const statements = plan.map((s) => ({
      sql: s.kind === 'drop' ? `DROP ${s.type} ${quoteName(s.name)}${opts.deleteTopic ? ' DELETE TOPIC' : ''};` : `TERMINATE ${quoteName(s.name)};`,
      label: s.kind === 'drop' ? dropSql(s) : `TERMINATE ${s.name}`,
    }));
    const done = await runInOrder(c, statements, say, (step, message) => ({ step: step.label, message }));
    if (opts.json) report(opts, [], { done });
    return EXIT.OK;
  });
}

/** Refuses, naming the source, a plan of drops (in order) whose DELETE TOPIC ksqlDB would refuse part-way. */
async function refuseTopicDeletes(c: KsqlClient, drops: SourceDescription[]): Promise<void> {
  const readOnly = drops.find((d) => /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?SOURCE\s+(?:STREAM|TABLE)\b/i.test(d.statement ?? ''));
  if (readOnly) throw new CliError(`drop: cannot delete the topic of ${readOnly.name}, a read-only source (CREATE SOURCE ${readOnly.type}); drop without --delete-topic`, EXIT.FAILED);
  const [streams, tables] = await c.ksql('SHOW STREAMS; SHOW TABLES;', {}, READ);
  const all = [...(streams?.streams as unknown[] ?? []), ...(tables?.tables as unknown[] ?? [])] as { name: string; topic: string }[];
  const gone = new Set<string>();
  for (const d of drops) {
    gone.add(d.name);
    const others = all.filter((x) => x.topic === d.topic && !gone.has(x.name)).map((x) => x.name);
    if (others.length) throw new CliError(`drop: cannot delete topic ${d.topic} with ${d.name}: ${others.join(', ')} ${others.length === 1 ? 'uses' : 'use'} it too; drop without --delete-topic, or drop ${others.length === 1 ? 'it' : 'them'} first`, EXIT.FAILED);
  }
}

/**
 * Runs statements one at a time, telling each one's result as `label: message`. A failure part way
 * is an error that names what was done before it and what was not tried (in --json, the document's
 * `done`, `failed` and `notTried`); a step whose answer never came (the connection lost or the time
 * out after it was sent) may have run: it is named `inFlight` instead of `failed`, as is the step a
 * Ctrl-C stops (see `progress`).
 */
async function runInOrder<D>(c: KsqlClient, steps: { sql: string; label: string }[], say: (line: string) => void, entry: (step: { sql: string; label: string }, message: string) => D): Promise<D[]> {
  const done: D[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      const rest = steps.slice(i + 1).map((x) => x.label);
      progress.document = { done, inFlight: step.label, notTried: rest };
      let e: Record<string, unknown> | undefined;
      try { [e] = await c.ksql(step.sql); } catch (err) {
        // (as any other failure of the command: its one-line message and exit code, unreachable 3)
        const mapped = asCliError(err);
        const [message, exitCode] = mapped instanceof CliError ? [mapped.message, mapped.exitCode] : [(err as Error).message, EXIT.FAILED];
        const before = steps.slice(0, i).map((x) => x.label);
        const tail = `${before.length ? `; done before it: ${before.join(', ')}` : ''}${rest.length ? `; not tried: ${rest.join(', ')}` : ''}`;
        if (err instanceof UnreachableError && err.mayHaveRun) {
          throw new CliError(`${step.label}: no answer came (${message}), so it may have run: see 'ksql-migrate queries', 'streams' and 'tables'${tail}`,
            exitCode, { cause: err, document: { done, inFlight: step.label, notTried: rest } });
        }
        throw new CliError(`${step.label} failed: ${message}${tail}`, exitCode, { cause: err, document: { done, failed: step.label, notTried: rest } });
      }
      // a push query's TERMINATE answers terminate_query ({wasTerminated}), without a command status
      const message = (e?.commandStatus as { message?: string } | undefined)?.message ?? (e?.wasTerminated === true ? 'Query terminated.' : 'done');
      say(`${step.label}: ${message}`);
      done.push(entry(step, message));
    }
  } finally { progress.document = undefined; }
  return done;
}

export async function runServerInfo(opts: GlobalOptions): Promise<number> {
  return withClient(opts, async (c) => {
    const [info, health] = await Promise.all([c.info(), c.health()]);
    // (an unhealthy server is the command's failure, exit 1, whether told in text or JSON)
    if (opts.json) { write(`${JSON.stringify({ ...info, health }, null, 2)}\n`); return health.isHealthy ? EXIT.OK : EXIT.FAILED; }
    const lines = [`Version:          ${info.version}`, `Kafka cluster id: ${info.kafkaClusterId}`, `Service id:       ${info.ksqlServiceId}`, `Status:           ${info.serverStatus ?? '-'}`,
      `Health:           ${health.isHealthy ? 'healthy' : 'UNHEALTHY'}`, ...Object.entries(health.details).map(([k, v]) => `  ${k}: ${v.isHealthy ? 'healthy' : 'UNHEALTHY'}`)];
    show(opts, lines.join('\n'));
    return health.isHealthy ? EXIT.OK : EXIT.FAILED;
  });
}
