import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine, Entity, ExecContext } from '../engine.js';
import { parseStatement, splitRequest, type SplitStatement } from '../sql/parser.js';
import { defineVariable, substituteIfEnabled, undefineVariable } from '../sql/variables.js';
import { SqlSyntaxError } from '../sql/lexer.js';
import { KsqlRequestError, KsqlStatementError } from '../analysis/errors.js';
import { propertyProblem } from '../exec/property-values.js';
import { genericError, toErrorBody, type ErrorBody } from './errors.js';
import { drainKept, type Journal } from '../storage/journal.js';
import { inKsqlOrder } from '../exec/entities.js';
import { schemaAssertionProblem, topicAssertionProblem, unknownTopicProperty } from '../exec/admin.js';
import type { Statement } from '../sql/ast.js';
import { T } from '../sql/types.js';

/** Statement kinds that change the engine's state and so go to the command log. */
const LOGGED = new Set(['createSource', 'createAs', 'insertInto', 'drop', 'terminate', 'pause', 'resume', 'alter', 'createType', 'dropType', 'alterSystem']);

export function requestContext(body: Record<string, unknown>, propsKey: 'streamsProperties' | 'properties'): ExecContext {
  const props = body[propsKey];
  const vars = body.sessionVariables;
  const variables = new Map<string, string>();
  // a property or variable is a string, number or boolean: anything else is the request's error
  const scalar = (field: string, k: string, v: unknown) => {
    if (v !== null && typeof v === 'object') throw new KsqlRequestError(`Invalid request: "${field}" value of '${k}' must be a string, number or boolean`);
  };
  if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props))) throw new KsqlRequestError(`Invalid request: "${propsKey}" must be an object of property names and values`);
  if (vars !== undefined && vars !== null && (typeof vars !== 'object' || Array.isArray(vars))) throw new KsqlRequestError('Invalid request: "sessionVariables" must be an object of variable names and values');
  if (vars && typeof vars === 'object') for (const [k, v] of Object.entries(vars)) { scalar('sessionVariables', k, v); variables.set(k, String(v)); }
  const properties = props ? { ...(props as object) } as Record<string, unknown> : {};
  for (const [k, v] of Object.entries(properties)) {
    scalar(propsKey, k, v);
    // a name ksqlDB does not recognise fails the request as ksqlDB's request parsing fails it
    const problem = propertyProblem(k, v);
    if (problem) throw new KsqlRequestError(problem.unknown ? `Failed to set '${k}' to '${String(v)}'\nCaused by: ${problem.message}` : problem.message);
  }
  return { properties, variables };
}

/**
 * A syntax error in a request, as ksqlDB reports it: it parses the request as a whole, so positions
 * count from the request's start, and the statement text is the request's line that holds the error.
 * `at`: the statement it was found in (positions count from its start), or none when they already
 * count from the request's.
 */
export function requestSyntaxError(e: SqlSyntaxError, at: SplitStatement | undefined, sql: string): ErrorBody {
  const moved = at ? new SqlSyntaxError(e.line + at.line - 1, e.line === 1 ? e.col + at.col : e.col, e.detail) : e;
  return toErrorBody(moved, sql.split('\n')[moved.line - 1] ?? at?.text ?? sql);
}

/** POST /ksql: validate every statement in a sandbox first, then execute them in order. */
export async function handleKsql(engine: Engine, body: Record<string, unknown>, journal?: Journal, signal?: AbortSignal): Promise<ErrorBody | { status: number; body: unknown }> {
  const sql = body.ksql;
  if (typeof sql !== 'string') return genericError(400, 40000, 'Invalid request: the "ksql" field must be a string of statements');
  let split: ReturnType<typeof splitRequest>;
  try { split = splitRequest(sql); } catch (e) {
    return e instanceof SqlSyntaxError ? requestSyntaxError(e, undefined, sql) : toErrorBody(e, sql);
  }
  const texts = split.map((s) => s.text);
  const sctx = requestContext(body, 'streamsProperties');
  // ksqlDB parses the whole request before it prepares any statement: a syntax error anywhere in it
  // is the answer, before an earlier statement's own error
  const syntax = firstSyntaxError(split, sctx, engine);
  if (syntax) return requestSyntaxError(syntax.error, syntax.at, sql);
  // validation pass on a sandbox: nothing runs if any statement fails
  const sandbox = engine.sandboxCopy();
  // (what ASSERTs look at, before the request changes it: only when it may hold one)
  const before = /\bASSERT\s+(NOT\s+EXISTS\s+)?(TOPIC|SCHEMA)\b/i.test(sql) ? stateOf(sandbox) : { topics: new Map(), subjects: new Map() };
  for (const [k, text] of texts.entries()) {
    try {
      let stmt;
      try { stmt = parseStatement(substituteIfEnabled(text, sctx.variables, sctx.properties, engine.properties), (n) => sandbox.metastore.types.get(n)); } catch (e) {
        if (!(e instanceof SqlSyntaxError)) throw e;
        return requestSyntaxError(e, split[k]!, sql);
      }
      if (stmt.kind === 'select' || stmt.kind === 'print') {
        throw new KsqlRequestError(`The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT`, 40002);
      }
      // an ASSERT waits (up to its TIMEOUT) for what it asserts, here or made by an earlier statement
      if (stmt.kind === 'assertTopic' || stmt.kind === 'assertSchema') await awaitAssertion(engine, sandbox, stmt, { ...engine.properties, ...sctx.properties }, before, signal);
      else sandbox.execute(stmt, sctx);
    } catch (e) {
      const err = toErrorBody(e, text);
      if ((e as KsqlRequestError).errorCode === 40002) err.body = { '@type': 'statement_error', error_code: 40002, message: (e as Error).message, statementText: text, entities: [] };
      return err;
    }
  }
  const ctx = requestContext(body, 'streamsProperties');
  const entities: Entity[] = [];
  for (const text of texts) {
    try {
      const substituted = substituteIfEnabled(text, ctx.variables, ctx.properties, engine.properties);
      const stmt = parseStatement(substituted, (n) => engine.metastore.types.get(n));
      const entity = engine.execute(stmt, ctx);
      if (journal && LOGGED.has(stmt.kind)) journal.logCommand(substituted, ctx.properties);
      if (entity) entities.push(inKsqlOrder(entity));
      drainKept(engine);
    } catch (e) {
      // a statement that passed validation failed on execution: report it; earlier ones stay executed
      return toErrorBody(e, text);
    }
  }
  return { status: 200, body: entities };
}


/**
 * The first statement of a request that does not parse, with the variables the DEFINEs before it
 * give (a type name is not looked up: an unknown one is the validation's to report).
 */
function firstSyntaxError(split: SplitStatement[], ctx: ExecContext, engine: Engine): { error: SqlSyntaxError; at: SplitStatement } | undefined {
  const variables = new Map(ctx.variables), properties = { ...ctx.properties };
  // a type is the server's, or one the request makes before; any other name is some type too (a
  // custom one may be made by a statement whose own error the validation reports), but the built-in
  // types' keywords, which the parser reads itself
  const made = new Set<string>();
  const typeNamed = (name: string) => engine.metastore.types.get(name) ?? (made.has(name) || !['DECIMAL', 'ARRAY', 'MAP', 'STRUCT'].includes(name) ? T.STRING : undefined);
  for (const at of split) {
    let stmt: Statement;
    try { stmt = parseStatement(substituteIfEnabled(at.text, variables, properties, engine.properties), typeNamed); } catch (e) {
      if (e instanceof SqlSyntaxError) return { error: e, at };
      // (another failure, as a substitution too long, is the validation's to report)
      continue;
    }
    if (stmt.kind === 'define') defineVariable(variables, stmt.name, stmt.value);
    else if (stmt.kind === 'undefine') undefineVariable(variables, stmt.name);
    else if (stmt.kind === 'set') properties[stmt.name] = stmt.value;
    else if (stmt.kind === 'unset') delete properties[stmt.name];
    else if (stmt.kind === 'createType') made.add(stmt.name);
  }
  return undefined;
}

type Assertion = Extract<Statement, { kind: 'assertTopic' | 'assertSchema' }>;

/**
 * Waits until an ASSERT holds, on the validating copy (statements before it in the request) or on
 * the server itself (a topic or schema made meanwhile by a Kafka or Schema Registry client, which
 * the copy then takes on for the statements after it); fails with its problem after its TIMEOUT,
 * by default ksql.assert.topic.default.timeout.ms or ksql.assert.schema.default.timeout.ms (1 s).
 */
async function awaitAssertion(engine: Engine, sandbox: Engine, stmt: Assertion, properties: Record<string, unknown>, before: State, signal?: AbortSignal): Promise<void> {
  const problem = (e: Engine) => (stmt.kind === 'assertTopic' ? topicAssertionProblem(e, stmt) : schemaAssertionProblem(e, stmt));
  // what an earlier statement of this request changed is the copy's to tell: the server has not run it yet
  const now = stateOf(sandbox);
  const touched = stmt.kind === 'assertTopic' ? now.topics.get(stmt.topic) !== before.topics.get(stmt.topic)
    : stmt.subject !== undefined && now.subjects.get(stmt.subject) !== before.subjects.get(stmt.subject);
  // what waiting cannot change fails at once
  if (stmt.kind === 'assertSchema' && stmt.subject === undefined && stmt.id === undefined) { sandbox.execute(stmt, { properties: {}, variables: new Map() }); return; }
  const unknown = stmt.kind === 'assertTopic' ? unknownTopicProperty(stmt) : undefined;
  if (unknown) throw new KsqlStatementError(unknown, 41700);
  const fallback = Number(properties[stmt.kind === 'assertTopic' ? 'ksql.assert.topic.default.timeout.ms' : 'ksql.assert.schema.default.timeout.ms'] ?? 1000);
  const deadline = Date.now() + (stmt.timeoutMs ?? (Number.isFinite(fallback) ? fallback : 1000));
  for (;;) {
    const here = problem(sandbox);
    if (here === undefined) return;
    if (!touched && problem(engine) === undefined) { adopt(engine, sandbox, stmt); return; }
    // (the server stopping, or the client gone, ends the wait: nobody is left to answer)
    if (Date.now() >= deadline || signal?.aborted) throw new KsqlStatementError(here, 41700);
    await sleep(Math.min(100, Math.max(1, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
  }
}

/** What ASSERTs look at: each topic's partition count, each subject's versions. */
interface State { topics: Map<string, number>; subjects: Map<string, string> }
function stateOf(e: Engine): State {
  return {
    topics: new Map(e.topics.list().map((t) => [t.name, t.partitions.length])),
    subjects: new Map(e.registry.listSubjects().map((x) => [x, e.registry.versions(x).join()])),
  };
}

/** The validating copy takes on what the server has come to hold: the topic, or the subject's schemas. */
function adopt(engine: Engine, sandbox: Engine, stmt: Assertion): void {
  if (stmt.kind === 'assertTopic') {
    const live = engine.topics.get(stmt.topic);
    if (live) sandbox.topics.create(stmt.topic, live.config); else sandbox.topics.delete(stmt.topic);
    return;
  }
  if (stmt.not || stmt.subject === undefined) return;
  for (const v of engine.registry.versions(stmt.subject)) {
    const x = engine.registry.version(stmt.subject, v);
    sandbox.registry.setLevel('NONE', stmt.subject);
    sandbox.registry.register(stmt.subject, { schema: x.schema, schemaType: x.schemaType, references: x.references }, x.id);
  }
}

/**
 * POST /ksql/terminate: every persistent query terminated and every stream and table dropped, as
 * logged commands (so a restart keeps them gone); topics matching `deleteTopicList` (names or
 * regular expressions) are deleted with them. The answer is ksqlDB's: a list of one currentStatus
 * entity for the TERMINATE CLUSTER command.
 */
export async function handleTerminateCluster(engine: Engine, body: Record<string, unknown>, journal?: Journal): Promise<ErrorBody | { status: number; body: unknown }> {
  const list = body.deleteTopicList ?? [];
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) return genericError(400, 40000, 'Invalid request: "deleteTopicList" must be a list of topic names or patterns');
  let patterns: RegExp[];
  try { patterns = (list as string[]).map((p) => new RegExp(`^(?:${p})$`)); } catch (e) { return genericError(400, 40000, `Invalid request: deleteTopicList: ${(e as Error).message}`); }
  const matches = (topic: string) => patterns.some((p) => p.test(topic));
  // a stream or table made from another is dropped before it (the other cannot be dropped while it exists)
  const sources: ReturnType<Engine['metastore']['list']> = [];
  for (let left = engine.metastore.list(); left.length;) {
    const names = new Set(left.map((ds) => ds.name));
    const free = left.filter((ds) => !engine.metastore.constraintsOn(ds.name).some((n) => names.has(n)));
    const next = free.length ? free : left;
    sources.push(...next);
    left = left.filter((ds) => !next.includes(ds));
  }
  // DROP ... DELETE TOPIC refuses a topic other sources share, and a read-only source's: the cluster
  // goes whole, so those sources are dropped plainly and their listed topics deleted after
  const users = new Map<string, number>();
  for (const ds of sources) users.set(ds.topic, (users.get(ds.topic) ?? 0) + 1);
  const deleteWith = (ds: (typeof sources)[number]) => matches(ds.topic) && users.get(ds.topic) === 1 && !ds.isSource;
  const statements = [
    ...(engine.queries.size ? ['TERMINATE ALL;'] : []),
    ...sources.map((ds) => `DROP ${ds.type} \`${ds.name.replace(/`/g, '``')}\`${deleteWith(ds) ? ' DELETE TOPIC' : ''};`),
  ];
  if (statements.length) {
    const r = await handleKsql(engine, { ksql: statements.join('\n') }, journal);
    if (r.status !== 200) return r;
  }
  for (const t of engine.topics.list()) if (matches(t.name)) engine.topics.delete(t.name);
  // ksqlDB answers with the command it wrote, TERMINATE CLUSTER, as its command runner left it: its
  // runner terminates the cluster without setting the command a final status. (It takes no offset
  // here: the journal replays the drops, not this, and later commands' offsets, query ids among
  // them, must come out the same after a restart; the drops' latest is as good to wait on.)
  const seq = engine.latestOffset();
  const commandId = 'cluster/CLUSTER/terminate', message = 'Statement written to command topic';
  engine.commands.push({ id: commandId, status: 'QUEUED', message, queryId: null, seq });
  return { status: 200, body: [{ '@type': 'currentStatus', statementText: 'TERMINATE CLUSTER;', commandId, commandStatus: { status: 'QUEUED', message, queryId: null }, commandSequenceNumber: seq, warnings: [] }] };
}
