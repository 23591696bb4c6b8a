import { randomUUID } from 'node:crypto';
import { functionDoc } from '../functions/docs.js';
import { functionOverloads, paramTypeName } from '../functions/overloads.js';
import { isKnownProperty, propertyProblem } from './property-values.js';
import type { Query, Statement } from '../sql/ast.js';
import type { Engine, Entity, ExecContext } from '../engine.js';
import { KsqlRequestError, KsqlStatementError } from '../analysis/errors.js';
import { commandStatus, warningEntity } from './status.js';
import { fieldsJson, pushQueryJson, runningQueryJson, schemaJson, queryGroupId, sourceDescription } from './entities.js';
import { scalarFunctions, getScalarFunction } from '../functions/scalar.js';
import { aggregateFunctions, getAggregate } from '../functions/aggregate.js';
import { tableFunctions, getTableFunction } from '../functions/table.js';
import { sinkColumns } from './queries.js';
import { transientId } from './select.js';
import { planQuery, type QueryPlan } from '../analysis/planner.js';
import { summarizePlan, summarizeSourceTable } from '../analysis/plan-summary.js';
import { javaCompare } from '../util/java-order.js';
import { defineVariable, undefineVariable } from '../sql/variables.js';

const base = (type: string, stmt: { text: string }): Entity => ({ '@type': type, statementText: stmt.text, warnings: [] });

export function executeAdmin(engine: Engine, stmt: Statement, ctx: ExecContext): Entity | undefined {
  switch (stmt.kind) {
    case 'show': return show(engine, stmt, ctx);
    case 'describe': {
      const ds = engine.metastore.get(stmt.name);
      if (!ds) throw new KsqlStatementError(`Could not find STREAM/TABLE '${stmt.name}' in the Metastore`);
      return { ...base('sourceDescription', stmt), sourceDescription: sourceDescription(engine, ds, stmt.extended) };
    }
    case 'describeAll': {
      const list = engine.metastore.list(stmt.what === 'STREAMS' ? 'STREAM' : 'TABLE');
      return { ...base('source_descriptions', stmt), sourceDescriptions: list.map((ds) => sourceDescription(engine, ds, stmt.extended)) };
    }
    case 'describeFunction': return describeFunction(stmt);
    case 'connector': {
      // the local server has no Kafka Connect cluster to hand connectors to
      const none = 'This server has no Kafka Connect cluster (ksql.connect.url is not set)';
      if (stmt.action === 'show') return { ...base('connector_list', stmt), warnings: [{ message: none }], connectors: [] };
      if (stmt.action === 'plugins') return { ...base('connector_plugins_list', stmt), warnings: [{ message: none }], connectorsPlugins: [] };
      throw new KsqlStatementError(`${none}: ${stmt.action === 'create' ? 'CREATE' : stmt.action === 'drop' ? 'DROP' : 'DESCRIBE'} CONNECTOR ${stmt.name} needs one`);
    }
    case 'explain': {
      if (!stmt.queryId) {
        // EXPLAIN <statement> plans it in a sandbox: nothing is created, no host runs it
        const inner = stmt.statement!;
        if (inner.kind !== 'createAs' && inner.kind !== 'insertInto' && inner.kind !== 'select') {
          throw new KsqlStatementError('The provided statement does not run a ksql query');
        }
        if (inner.kind !== 'select') {
          // a persistent query is made in a copy of the catalog, as ksqlDB's sandbox makes it: its id,
          // its statement as stored, its consumer group, what it would run
          // (a copy even of the copy a request is validated on: what follows the EXPLAIN must not see its query)
          const sandbox = engine.sandboxCopy();
          const before = new Set(sandbox.queries.keys());
          sandbox.executeStatement(inner.text, { ...ctx, variables: new Map(ctx.variables) });
          const made = [...sandbox.queries.values()].find((q) => !before.has(q.id))
            ?? [...sandbox.queries.values()].find((q) => q.sinkName === (inner.kind === 'createAs' ? inner.name : inner.target));
          if (!made) throw new KsqlStatementError('The provided statement does not run a ksql query');
          made.overrides = { ...ctx.properties };
          return { ...base('queryDescription', stmt), queryDescription: { ...queryDescription(sandbox, made), ksqlHostQueryStatus: {}, state: 'UNKNOWN' } };
        }
        const plan = planQuery(inner.query, engine.metastore, { persistent: false });
        const id = transientId(inner.query.from.alias ?? plan.sources[0]?.name ?? '');
        return { ...base('queryDescription', stmt), queryDescription: pushQueryDescription(engine, { id, text: inner.text, query: inner.query, plan, properties: { ...ctx.properties } }) };
      }
      const q = [...engine.queries.values()].find((x) => x.id.toUpperCase() === stmt.queryId!.toUpperCase());
      if (!q) throw new KsqlRequestError(`Query with id:${stmt.queryId} does not exist, use SHOW QUERIES to view the full set of queries.`);
      return { ...base('queryDescription', stmt), queryDescription: queryDescription(engine, q) };
    }
    case 'terminate': case 'pause': case 'resume': return controlQuery(engine, stmt);
    case 'define': defineVariable(ctx.variables, stmt.name, stmt.value); return undefined;
    case 'undefine':
      if (!undefineVariable(ctx.variables, stmt.name)) return warningEntity(stmt, `Cannot undefine variable '${stmt.name}' which was never defined`);
      return undefined;
    case 'set': {
      settable(stmt.name, stmt.value);
      // a Kafka Streams config is one property with or without ksql.streams. (ksqlDB resolves both
      // names to one): the later SET wins over the request's value under the other name
      for (const alias of streamsAliases(stmt.name)) delete ctx.properties[alias];
      ctx.properties[stmt.name] = stmt.value;
      return undefined;
    }
    case 'unset': {
      if (!isKnownProperty(stmt.name)) throw new KsqlStatementError(`Unknown property: ${stmt.name}`);
      for (const alias of streamsAliases(stmt.name)) delete ctx.properties[alias];
      delete ctx.properties[stmt.name];
      return undefined;
    }
    case 'alterSystem': {
      settable(stmt.name, stmt.value);
      // a Kafka Streams config is the server's under its ksql.streams. name (ksqlDB resolves both
      // names to one; SHOW PROPERTIES lists that one)
      engine.properties[stmt.name.startsWith('ksql.') ? stmt.name : `ksql.streams.${stmt.name}`] = stmt.value;
      return commandStatus(engine, stmt, `cluster/${randomUUID()}/alter`, 'System property altered.', { carriesPlan: false });
    }
    case 'assertTopic': {
      const problem = topicAssertionProblem(engine, stmt);
      if (problem) throw new KsqlStatementError(problem, 41700);
      return { ...base('assert_topic', stmt), topicName: stmt.topic, exists: !stmt.not };
    }
    case 'assertSchema': {
      if (stmt.subject === undefined && stmt.id === undefined) throw new KsqlStatementError('ASSERT SCHEMA statements much include a subject name or an id');
      const problem = schemaAssertionProblem(engine, stmt);
      if (problem) throw new KsqlStatementError(problem, 41700);
      return { ...base('assert_schema', stmt), subject: stmt.subject ?? null, id: stmt.id ?? null, exists: !stmt.not };
    }
    default:
      throw new KsqlStatementError(`Unsupported statement: ${stmt.kind}`);
  }
}

/** The other name of a Kafka Streams config: with ksql.streams. before it, or without. */
function streamsAliases(name: string): string[] {
  const PREFIX = 'ksql.streams.';
  if (name.startsWith(PREFIX)) return [name.slice(PREFIX.length)];
  return name.startsWith('ksql.') ? [] : [PREFIX + name];
}

/**
 * Each topic's consumers as ksqlDB counts them (one per partition a group's member is assigned) and
 * their groups: every query's consumer group reads all partitions of its source topics (push queries
 * too, while they run), and clients' groups read what their members are assigned.
 */
function topicConsumers(engine: Engine): Map<string, { count: number; groups: Set<string> }> {
  const out = new Map<string, { count: number; groups: Set<string> }>();
  const add = (topic: string, group: string, partitions: number) => {
    let c = out.get(topic);
    if (!c) out.set(topic, c = { count: 0, groups: new Set() });
    c.count += partitions;
    c.groups.add(group);
  };
  const queries = [...[...engine.queries.values()].filter((q) => q.runtime && q.runtime.state !== 'ERROR').map((q) => q.runtime!), ...engine.transients];
  for (const rq of queries) {
    for (const topic of new Set(rq.plan.sources.map((s) => s.topic))) add(topic, rq.id, engine.topics.get(topic)?.partitions.length ?? 0);
  }
  for (const c of engine.externalConsumers?.() ?? []) add(c.topic, `client:${c.groupId}`, c.partitions);
  return out;
}

/** Refuses a SET of a property ksqlDB does not recognise, or of a value its config does not take. */
function settable(name: string, value: string): void {
  const problem = propertyProblem(name, value);
  if (problem) throw new KsqlStatementError(problem.unknown ? `Unknown property: ${name}` : problem.message);
}

/** The properties ASSERT TOPIC ... WITH (...) may check, by the topic config they name. */
const ASSERTABLE: Record<string, 'partitions' | 'replicas'> = { PARTITIONS: 'partitions', REPLICAS: 'replicas' };

/**
 * Why ASSERT [NOT EXISTS] TOPIC fails now, or undefined when it holds. The statement's WITH
 * properties must be ones it can check, and each must match the topic's.
 */
export function topicAssertionProblem(engine: Engine, stmt: Extract<Statement, { kind: 'assertTopic' }>): string | undefined {
  const unknown = unknownTopicProperty(stmt);
  if (unknown) return unknown;
  const topic = engine.topics.get(stmt.topic);
  if (stmt.not) return topic ? `Topic ${stmt.topic} exists` : undefined;
  if (!topic) return `Topic ${stmt.topic} does not exist`;
  const actual = { partitions: topic.partitions.length, replicas: topic.config.replicas };
  const mismatched = [...stmt.props].flatMap(([k, v]) => {
    const config = ASSERTABLE[k.toUpperCase()]!;
    return String(v.value) === String(actual[config]) ? [] : [`Mismatched configuration for topic ${stmt.topic}: For config ${config}, expected ${v.value} got ${actual[config]}`];
  });
  return mismatched.length ? mismatched.join('\n') : undefined;
}

/** An ASSERT TOPIC with WITH properties it cannot check: that is its problem, whatever the topic. */
export function unknownTopicProperty(stmt: Extract<Statement, { kind: 'assertTopic' }>): string | undefined {
  const unknown = [...stmt.props.keys()].filter((k) => !ASSERTABLE[k.toUpperCase()]);
  return unknown.length ? `Cannot assert unknown topic property: ${unknown.join(', ')}` : undefined;
}

/** Why ASSERT [NOT EXISTS] SCHEMA fails now (by subject, id or both: the subject holds that id), or undefined. */
export function schemaAssertionProblem(engine: Engine, stmt: Extract<Statement, { kind: 'assertSchema' }>): string | undefined {
  const registry = engine.registry;
  let exists: boolean;
  if (stmt.subject !== undefined) {
    const subject = stmt.subject;
    const versions = registry.listSubjects().includes(subject) ? registry.versions(subject).map((v) => registry.version(subject, v)) : [];
    exists = stmt.id === undefined ? versions.length > 0 : versions.some((v) => v.id === stmt.id);
  } else {
    try { exists = registry.usagesOf(stmt.id!).length > 0; } catch { exists = false; }
  }
  if (exists !== stmt.not) return undefined;
  const what = `Schema with${stmt.subject !== undefined ? ` subject name ${stmt.subject}` : ''}${stmt.id !== undefined ? ` id ${stmt.id}` : ''}`;
  return stmt.not ? `${what} exists` : `${what} does not exist`;
}

function show(engine: Engine, stmt: Extract<Statement, { kind: 'show' }>, ctx: ExecContext): Entity {
  switch (stmt.what) {
    case 'STREAMS': case 'TABLES': {
      const type = stmt.what === 'STREAMS' ? 'STREAM' : 'TABLE';
      const list = engine.metastore.list(type);
      if (stmt.extended) return { ...base('source_descriptions', stmt), sourceDescriptions: list.map((ds) => sourceDescription(engine, ds, true)) };
      const key = stmt.what === 'STREAMS' ? 'streams' : 'tables';
      return { ...base(key, stmt), [key]: list.map((ds) => ({ type, name: ds.name, topic: ds.topic, keyFormat: ds.keyFormat.format, valueFormat: ds.valueFormat.format, isWindowed: ds.windowInfo !== undefined })) };
    }
    case 'QUERIES': {
      const qs = [...engine.queries.values()];
      if (stmt.extended) {
        // the live push queries too, as ksqlDB's list of live queries has them
        const pushes = [...engine.transients].flatMap((t) => (t.pushQuery ? [pushQueryDescription(engine, { id: t.id, text: t.statementText, query: t.pushQuery.query, plan: t.plan, properties: t.pushQuery.properties }, t.state === 'ERROR' ? 'ERROR' : 'RUNNING')] : []));
        return { ...base('query_descriptions', stmt), queryDescriptions: [...qs.map((q) => queryDescription(engine, q)), ...pushes] };
      }
      // transient push queries are live queries too (queryType PUSH)
      return { ...base('queries', stmt), queries: [...qs.map(runningQueryJson), ...[...engine.transients].map(pushQueryJson)] };
    }
    case 'TOPICS': {
      // ksqlDB hides the topics ksql.hidden.topics names (regular expressions, whole names), unless
      // SHOW ALL TOPICS, and sorts them as a Java TreeMap does (by UTF-16 code unit: upper case first)
      const hidden = (engine.properties['ksql.hidden.topics'] ?? HIDDEN_TOPICS).split(',').map((p) => p.trim()).filter(Boolean).flatMap((p) => { try { return [new RegExp(`^(?:${p})$`)]; } catch { return []; } });
      const topics = engine.topics.list().filter((t) => stmt.all || !hidden.some((h) => h.test(t.name))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (stmt.extended) {
        const consumers = topicConsumers(engine);
        return { ...base('kafka_topics_extended', stmt), topics: topics.map((t) => ({ name: t.name, replicaInfo: t.partitions.map(() => t.config.replicas), consumerCount: consumers.get(t.name)?.count ?? 0, consumerGroupCount: consumers.get(t.name)?.groups.size ?? 0 })) };
      }
      return { ...base('kafka_topics', stmt), topics: topics.map((t) => ({ name: t.name, replicaInfo: t.partitions.map(() => t.config.replicas) })) };
    }
    case 'PROPERTIES': {
      // the server's properties with this request's overrides (streamsProperties, SET) applied;
      // Kafka Streams names are listed under their `ksql.streams.` prefix, as ksqlDB resolves them
      const merged: Record<string, string> = { ...engine.properties };
      const overwritten: string[] = [];
      for (const [k, v] of Object.entries(ctx.properties)) {
        const name = k.startsWith('ksql.') ? k : `ksql.streams.${k}`;
        const value = String(v);
        if (merged[name] !== value) overwritten.push(name);
        merged[name] = value;
      }
      return {
        ...base('properties', stmt),
        // Kafka's password-typed configs print as [hidden] (its Password.toString), as ksqlDB lists them
        properties: Object.entries(merged).sort(([a], [b]) => javaCompare(a, b)).map(([name, value]) => ({ name, scope: 'KSQL', value: isPasswordConfig(name) ? '[hidden]' : value, editable: true, level: 'SERVER' })),
        overwrittenProperties: overwritten.sort(),
        defaultProperties: [],
      };
    }
    case 'VARIABLES':
      // the request's variables: its session variables and what DEFINE set before in it
      return { ...base('variables', stmt), variables: [...ctx.variables].map(([name, value]) => ({ name, value })) };
    case 'FUNCTIONS': {
      const fns = [
        ...scalarFunctions().map((f) => ({ name: f.name, type: 'SCALAR', category: f.category })),
        ...aggregateFunctions().map((f) => ({ name: f.name, type: 'AGGREGATE', category: 'AGGREGATE' })),
        ...tableFunctions().map((f) => ({ name: f.name, type: 'TABLE', category: 'TABLE' })),
      ].sort((a, b) => javaCompare(a.name, b.name));
      return { ...base('function_names', stmt), functions: fns };
    }
    case 'TYPES':
      return { ...base('type_list', stmt), types: Object.fromEntries([...engine.metastore.types].map(([k, v]) => [k, schemaJson(v)])) };
  }
}


/** ksql.hidden.topics' default: the platform's own topics. */
const HIDDEN_TOPICS = '_confluent.*,__confluent.*,_schemas,__consumer_offsets,__transaction_state,connect-configs,connect-offsets,connect-status,connect-statuses';

/** Kafka and Schema Registry configs of type PASSWORD (key and trust store passwords, JAAS configs, credentials). */
const isPasswordConfig = (name: string): boolean => /(\.password|sasl\.jaas\.config|basic\.auth\.user\.info|\.secret)$/i.test(name);


function describeFunction(stmt: Extract<Statement, { kind: 'describeFunction' }>): Entity {
  const s = getScalarFunction(stmt.name), a = getAggregate(stmt.name), t = getTableFunction(stmt.name);
  const overloads = functionOverloads(stmt.name);
  if (!overloads) throw new KsqlStatementError(`Can't find any functions with the name '${stmt.name}'`);
  const description = functionDoc(stmt.name)?.about ?? (s ? s.description : a ? a.description : t!.description);
  return {
    ...base('describe_function', stmt),
    name: stmt.name.toUpperCase(), description: paramTypeName(description), author: 'Confluent', version: '', path: 'internal',
    functions: overloads.map((o) => ({
      arguments: o.params.map((type, i) => ({ name: o.names[i]!, type, description: '', isVariadic: o.variadic && i === o.params.length - 1 })),
      // (a variant's own text, as ksqlDB's annotation gives it, not its signature: clients print that themselves)
      returnType: o.returns, description: paramTypeName(description), argumentTypes: o.params,
    })),
    type: s ? 'SCALAR' : a ? 'AGGREGATE' : 'TABLE',
  };
}

/**
 * A push query's description: EXPLAIN of a SELECT (`state` absent: it does not run, UNKNOWN on no
 * host), or a live one's in SHOW QUERIES EXTENDED (its state on this host).
 */
function pushQueryDescription(engine: Engine, p: { id: string; text: string; query: Query; plan: QueryPlan; properties: Record<string, unknown> }, state?: string) {
  const summary = summarizePlan({ queryId: '', query: p.query, plan: p.plan, sink: undefined });
  return {
    id: p.id, statementText: p.text, windowType: p.plan.windowInfo?.type ?? null, fields: fieldsJson(sinkColumns(p.plan)),
    sources: p.plan.sources.map((x) => x.name), sinks: [],
    topology: summary.topology, executionPlan: summary.executionPlan, overriddenProperties: p.properties,
    ksqlHostQueryStatus: state ? { [engine.hostAddress]: state } : {}, queryType: 'PUSH',
    queryErrors: [], tasksMetadata: [], consumerGroupId: `_confluent-ksql-${String(engine.properties['ksql.service.id'])}transient_${p.id}`, state: state ?? 'UNKNOWN',
  };
}

function queryDescription(engine: Engine, q: ReturnType<Engine['queries']['get']> & object) {
  const state = q.runtime?.state ?? 'RUNNING';
  const sink = engine.metastore.get(q.sinkName);
  const summary = q.kind === 'CST' && sink ? summarizeSourceTable(q.id, sink)
    : q.query && sink ? summarizePlan({ queryId: q.id, query: q.query, plan: q.plan, sink: { name: sink.name, topic: q.sinkTopic, type: sink.type, columns: sink.columns } }) : undefined;
  return {
    id: q.id,
    statementText: q.displayText ?? q.statementText,
    windowType: q.plan.windowInfo?.type ?? null,
    fields: fieldsJson(sinkColumns(q.plan)),
    sources: q.plan.sources.map((s) => s.name),
    sinks: [q.sinkName],
    topology: summary?.topology ?? '',
    executionPlan: summary?.executionPlan ?? '',
    overriddenProperties: q.overrides ?? {},
    ksqlHostQueryStatus: { [engine.hostAddress]: state },
    queryType: 'PERSISTENT',
    // what stopped the query; records it skipped go to the processing log and DESCRIBE EXTENDED's error stats
    queryErrors: q.runtime?.stats.fatal ? [{ timestamp: q.runtime.stats.fatal.at, errorMessage: q.runtime.stats.fatal.message, type: q.runtime.stats.fatal.type }] : [],
    tasksMetadata: [],
    consumerGroupId: queryGroupId(engine, q),
    state,
  };
}

function controlQuery(engine: Engine, stmt: Extract<Statement, { kind: 'terminate' | 'pause' | 'resume' }>): Entity {
  const verb = stmt.kind;
  const ids = stmt.queryId === 'ALL' ? [...engine.queries.keys()] : [stmt.queryId];
  for (const id of ids) {
    const q = [...engine.queries.values()].find((x) => x.id.toUpperCase() === id.toUpperCase());
    if (!q) {
      if (id.toLowerCase().includes('transient_')) {
        // query ids compare ignoring case, as ksqlDB's QueryId does (an unquoted id is upper-cased)
        const t = [...engine.transients].find((x) => x.id.toUpperCase() === id.toUpperCase());
        if (t && verb === 'terminate') {
          // validation runs on a sandbox, which sees the live transient queries but stops none
          if (!engine.sandbox) { if (t.stop) t.stop(); else engine.transients.delete(t); }
          // (the id as the statement gives it, as ksqlDB's entity takes it from the statement)
          return { ...base('terminate_query', stmt), queryId: id, wasTerminated: true };
        }
        // a transient id is looked for among this server's push queries only
        if (verb === 'terminate') throw new KsqlRequestError(`Failed to terminate query with query ID: '${id}'`);
      }
      throw new KsqlRequestError(`Unknown queryId: ${id}`);
    }
    if (q.kind === 'CST' && stmt.queryId !== 'ALL') throw new KsqlStatementError(`Cannot terminate query '${q.id}' because it is linked to a source table.`);
    if (q.kind === 'CST') continue;
    if (verb === 'terminate') engine.queries.delete(q.id);
    // a query stopped by a failure stays stopped (ERROR): only TERMINATE ends it; its failed record is not skipped by a RESUME
    else if (q.runtime && q.runtime.state !== 'ERROR') q.runtime.state = verb === 'pause' ? 'PAUSED' : 'RUNNING';
  }
  const msg = { terminate: 'Query terminated.', pause: 'Query paused.', resume: 'Query resumed.' }[verb];
  // (TERMINATE's command is executed, as PAUSE's and RESUME's are: the terminate action is TerminateCluster's)
  return commandStatus(engine, stmt, `${verb}/${stmt.queryId}/execute`, msg, { carriesPlan: false });
}
