import { SerializationError } from '../serde/serde-error.js';
import { formatCreateAsSelect, formatInsertInto, propsByName, type FormatSide } from '../analysis/sql-formatter.js';
import type { Expr, Query, SelectItem, Statement } from '../sql/ast.js';
import { parseStatement } from '../sql/parser.js';
import { columnRefs } from '../analysis/expr-walk.js';
import { collectAggregates } from '../analysis/aggregate-checks.js';
import { MAX_TOPIC_PARTITIONS, TopicRef, topicNameProblem } from '../storage/topics.js';
import type { Engine, Entity, ExecContext, MaterializedRow, PersistentQuery } from '../engine.js';
import { KsqlStatementError } from '../analysis/errors.js';
import { checkSourcesExist, planQuery, type OutMsg, type QueryPlan } from '../analysis/planner.js';
import { KeyMissingError } from '../analysis/plan-util.js';
import { isNoKey } from '../analysis/source-reader.js';
import { WithProps } from '../catalog/with-props.js';
import { serdesOf, type DataSource } from '../catalog/metastore.js';
import { checkFormatSupports, keySerde, windowedKey, type Serde } from '../serde/formats.js';
import { inferColumns, registerColumns, withDefaultName } from './sr-binding.js';
import { isSchemaFormat, isUnwrapped } from '../serde/sr-serde.js';
import { schemaToString, type Column, type FormatInfo } from '../catalog/schema.js';
import { RunningQuery } from '../runtime/running-query.js';
import { partitionForKey } from '../storage/partitioner.js';
import { convert, keyString, LatestWindowText, windowedKeyString } from '../functions/values.js';
import { canImplicitlyCast, typesEqual, typeToString, type SqlType } from '../sql/types.js';
import { commandStatus, warningEntity } from './status.js';
import { existsMessage, timestampColumnOf, withWrapping } from './ddl.js';
import { checkUpgrade } from './upgrade.js';
import { timestampFromColumn } from '../analysis/timestamp-column.js';
import { containsMap } from '../sql/types.js';
import { queryGroupId } from './entities.js';

type CreateAs = Extract<Statement, { kind: 'createAs' }>;
type InsertInto = Extract<Statement, { kind: 'insertInto' }>;

/** Sink columns: keys first (in key order), then the values in select order. */
export function sinkColumns(plan: QueryPlan): Column[] {
  const keys = plan.keyIndexes.filter((i) => i >= 0).map((i) => plan.columns[i]!);
  const values = plan.columns.filter((c, i) => !plan.keyIndexes.includes(i) && !c.isKey);
  return [...keys.map((c) => ({ name: c.name, type: c.type, ns: 'KEY' as const })), ...values.map((c) => ({ name: c.name, type: c.type, ns: 'VALUE' as const }))];
}

/** A format a sink takes from its source: the same format and options, but not the source's schema id or record name. */
function inheritedFormat(f: FormatInfo, w: WithProps, isKey: boolean): FormatInfo {
  const { schemaId: _id, fullSchemaName: _name, ...rest } = f;
  if (!isSchemaFormat(f.format)) return rest;
  const side = isKey ? 'KEY' : 'VALUE';
  const schemaId = w.int(`${side}_SCHEMA_ID`), fullSchemaName = w.string(`${side}_SCHEMA_FULL_NAME`);
  return { ...rest, ...(schemaId !== undefined ? { schemaId } : {}), ...(fullSchemaName !== undefined ? { fullSchemaName } : {}) };
}

/** A CREATE ... AS SELECT sink's topic when its WITH clause names none: ksql.output.topic.name.prefix and the sink's name. */
export const defaultSinkTopic = (engine: Engine, name: string): string => `${engine.properties['ksql.output.topic.name.prefix'] ?? ''}${name}`;

export function executeQueryStatement(engine: Engine, stmt: CreateAs | InsertInto, ctx: ExecContext): Entity {
  return stmt.kind === 'createAs' ? createAs(engine, stmt, ctx) : insertInto(engine, stmt, ctx);
}

function createAs(engine: Engine, stmt: CreateAs, ctx: ExecContext): Entity {
  const kind = stmt.sourceType;
  // what ksqlDB checks as it parses and prepares the statement (its WITH clause, the sources it
  // reads) comes before the sink's name is looked at: IF NOT EXISTS does not pass an invalid statement
  const w = WithProps.validate(stmt.props, 'createAs');
  checkSourcesExist(stmt.query, engine.metastore);
  const existing = engine.metastore.get(stmt.name);
  if (existing && stmt.ifNotExists) return warningEntity(stmt, `Cannot add ${kind.toLowerCase()} \`${stmt.name}\`: A ${kind.toLowerCase()} with the same name already exists.`);
  if (existing && !stmt.orReplace) throw new KsqlStatementError(existsMessage(kind, stmt.name, existing));
  if (stmt.query.limit !== undefined) throw new KsqlStatementError(`CREATE ${kind} AS SELECT statements don't support LIMIT clause.`);
  const planOpts = { persistent: true, sinkName: stmt.name, statement: `CREATE ${kind} AS SELECT`, properties: { ...engine.properties, ...ctx.properties } };
  let plan;
  try { plan = planQuery(stmt.query, engine.metastore, planOpts); } catch (e) {
    // ksqlDB checks the WITH clause's TIMESTAMP column against the projection before the key columns
    if (w.has('TIMESTAMP') && e instanceof KeyMissingError) {
      let columns: Column[] | undefined;
      try { columns = sinkColumns(planQuery(stmt.query, engine.metastore, { ...planOpts, persistent: false })); } catch { /* the key error stands */ }
      if (columns) timestampColumnOf(w, columns);
    }
    throw e;
  }
  if (plan.resultType !== kind) {
    throw new KsqlStatementError(`Invalid result type. Your SELECT query produces a ${plan.resultType}. Please use CREATE ${plan.resultType} AS SELECT statement instead.`);
  }
  checkCoPartitioned(engine, plan);
  w.checkRetention(kind, plan.windowInfo !== undefined);
  const left = plan.sources[0]!;
  const columns = sinkColumns(plan);
  const dup = columns.find((c, i) => c.ns === 'VALUE' && columns.findIndex((x) => x.name === c.name && x.ns === 'VALUE') !== i);
  if (dup) throw new KsqlStatementError(`Duplicate value columns found in schema: \`${dup.name}\` ${typeToString(dup.type)}`);
  const keyCols = columns.filter((c) => c.ns === 'KEY'), valCols = columns.filter((c) => c.ns === 'VALUE');
  for (const k of keyCols) {
    if (containsMap(k.type)) {
      throw new KsqlStatementError(`Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: \`${k.name}\`. Column type: ${typeToString(k.type)}. See https://github.com/confluentinc/ksql/issues/6621 for more.`);
    }
  }
  let keyFormat: FormatInfo;
  const explicitKey = w.keyFormatName();
  if (explicitKey) keyFormat = w.formatInfo(explicitKey, true);
  else {
    keyFormat = inheritedFormat(left.keyFormat, w, true);
    // a key where the source had none: ksql.persistence.default.format.key when set, else another
    // source's key format (a join), else KAFKA (that setting's default)
    if (keyFormat.format === 'NONE' && keyCols.length) {
      const configured = String(ctx.properties['ksql.persistence.default.format.key'] ?? engine.properties['ksql.persistence.default.format.key'] ?? '').toUpperCase();
      const other = plan.sources.slice(1).find((s) => s.keyFormat.format !== 'NONE');
      keyFormat = configured ? w.formatInfo(configured as FormatInfo['format'], true) : other ? inheritedFormat(other.keyFormat, w, true) : { format: 'KAFKA' };
    }
    if (keyCols.length === 0) keyFormat = { format: 'NONE' };
  }
  let valueFormat = w.valueFormatName() ? w.formatInfo(w.valueFormatName()!, false) : { ...inheritedFormat(left.valueFormat, w, false), wrapSingle: w.bool('WRAP_SINGLE_VALUE') ?? undefined };
  valueFormat = withWrapping(valueFormat, w, valCols.length, engine.properties);
  keyFormat = withDefaultName(keyFormat, stmt.name, true);
  for (const [fmt, cols, isKey] of [[keyFormat, keyCols, true], [valueFormat, valCols, false]] as const) {
    const msg = checkFormatSupports(fmt, cols, isKey);
    if (msg) {
      // ksqlDB quotes the statement as its formatter writes it
      const statement = formatCreateAsSelect(kind, stmt.name, stmt.query, plan.columns.map((c) => c.name), stmt.props, undefined, stmt, formatSides(engine, stmt.query));
      throw new KsqlStatementError(`${isKey ? 'Key' : 'Value'} format does not support schema.\nformat: ${fmt.format}\nschema: Persistence{columns=[${schemaToString(cols)}], features=[]}\nreason: ${msg}${statement ? `\nStatement: ${statement}` : ''}`);
    }
  }
  // WITH (TIMESTAMP=...) on a CSAS/CTAS stamps each output record with that column's value
  const timestampColumn = timestampColumnOf(w, columns);
  const topic = w.string('KAFKA_TOPIC') ?? defaultSinkTopic(engine, stmt.name);
  const illegal = engine.topics.has(topic) ? undefined : topicNameProblem(topic);
  if (illegal) throw new KsqlStatementError(illegal);
  const clash = engine.topics.clashOf(topic);
  if (clash) throw new KsqlStatementError(`Topic '${topic}' collides with existing topic: ${clash}`);
  const srcTopic = engine.topics.get(left.topic);
  const partitions = w.int('PARTITIONS') ?? srcTopic?.config.partitions ?? 1;
  if (partitions > MAX_TOPIC_PARTITIONS) throw new KsqlStatementError(`Invalid value ${partitions} for configuration num.partitions: the local server holds at most ${MAX_TOPIC_PARTITIONS} per topic`);
  const replicas = w.int('REPLICAS') ?? srcTopic?.config.replicas ?? 1;
  const t = engine.topics.get(topic);
  // an existing topic must have the partitions the WITH clause gives (without them, the topic's own
  // are taken: ksqlDB's functional tests write into topics they made with other counts), a replaced
  // sink's too
  if (t && w.has('PARTITIONS') && t.config.partitions !== partitions) {
    throw new KsqlStatementError(`A Kafka topic with the name '${topic}' already exists, with different partition/replica configuration than required. KSQL expects ${partitions} partitions (topic has ${t.config.partitions}), and ${replicas} replication factor (topic has ${t.config.replicas}).`);
  }
  let queryId: string;
  if (existing && stmt.orReplace) {
    if (existing.type !== kind) throw new KsqlStatementError(`Cannot upgrade data source: DataSource '\`${existing.name}\`' has type = ${existing.type} which is not upgradeable to ${kind}`);
    const writers = [...engine.queries.values()].filter((q) => q.sinkName === existing.name);
    if (writers.length > 1) throw new KsqlStatementError(`REPLACE for sink ${existing.name} is not supported because there are multiple queries writing into it: [${writers.map((q) => q.id).join(', ')}]`);
    checkUpgrade(existing, { type: kind, topic, columns, keyFormat, valueFormat, timestampColumn, timestampFormat: w.string('TIMESTAMP_FORMAT'), windowInfo: plan.windowInfo });
    const previousQuery = existing.writerQueryId ? engine.queries.get(existing.writerQueryId) : undefined;
    if (previousQuery && normalizedText(previousQuery.statementText) !== normalizedText(stmt.text)) {
      const step = upgradeBlocker(previousQuery.plan) ?? upgradeBlocker(plan);
      if (step) throw new KsqlStatementError(`Upgrades not yet supported for ${step}`);
      checkAggregateUpgrade(previousQuery.statementText, stmt.query);
    }
    // (the query writing the sink keeps its id; once terminated, the new query gets one of its own)
    queryId = previousQuery ? previousQuery.id : `${kind === 'STREAM' ? 'CSAS' : 'CTAS'}_${stmt.name.toUpperCase()}_${engine.nextQueryNumber()}`;
  } else {
    queryId = `${kind === 'STREAM' ? 'CSAS' : 'CTAS'}_${stmt.name.toUpperCase()}_${engine.nextQueryNumber()}`;
  }
  checkSchemaIdColumns(engine, topic, keyFormat, keyCols, true);
  checkSchemaIdColumns(engine, topic, valueFormat, valCols, false);
  // the sink topic's cleanup policy and retention, as ksqlDB's TopicCreateInjector sets them: a stream
  // deletes and keeps the source's retention; a table compacts; a windowed table does both, keeping
  // the larger of the source's retention and the window's RETENTION
  // (RETENTION_MS in the WITH clause comes first, then the source's)
  const withRetention = w.long('RETENTION_MS');
  const sourceRetention = withRetention ?? Number(srcTopic?.config.overrides?.['retention.ms'] ?? 604_800_000);
  const windowed = kind === 'TABLE' && plan.windowInfo !== undefined;
  const cleanupPolicy = windowed ? 'compact,delete' : kind === 'TABLE' ? 'compact' : 'delete';
  const sinkRetention = windowed ? Math.max(sourceRetention, stmt.query.window?.retention?.ms ?? 0) : kind === 'STREAM' ? sourceRetention : undefined;
  engine.topics.create(topic, { partitions, replicas, cleanupPolicy, ...(sinkRetention === undefined ? {} : { overrides: { 'retention.ms': String(sinkRetention) } }) });
  // the sink's schemas are registered as ksqlDB's SchemaRegisterInjector does, under <topic>-key|value
  keyFormat = registerColumns(engine, topic, keyFormat, keyCols, true);
  valueFormat = registerColumns(engine, topic, valueFormat, valCols, false);
  // the statement as ksqlDB stores it: its WITH with the topic's settings added, sorted
  const given = propsByName(stmt.props);
  const retention = sinkRetention ?? given.RETENTION_MS ?? -1;
  const stored = { ...given, CLEANUP_POLICY: cleanupPolicy, KAFKA_TOPIC: topic, PARTITIONS: partitions, REPLICAS: replicas, RETENTION_MS: retention };
  const rendered = formatCreateAsSelect(kind, stmt.name, stmt.query, plan.columns.map((c) => c.name), undefined, stored, stmt, formatSides(engine, stmt.query));
  const displayText = rendered === undefined ? undefined : `${rendered};`;
  const sink: DataSource = {
    name: stmt.name, type: kind, columns, topic, keyFormat, valueFormat, windowInfo: plan.windowInfo,
    isSource: false, statement: displayText ?? stmt.text, writerQueryId: queryId, readsFrom: [...new Set(plan.sources.map((s) => s.name))], registry: engine.registry,
    timestampColumn, timestampFormat: w.string('TIMESTAMP_FORMAT'),
  };
  engine.metastore.put(sink);
  const previous = engine.queries.get(queryId);
  try {
    startPersistentQuery(engine, { id: queryId, kind: kind === 'STREAM' ? 'CSAS' : 'CTAS', statementText: stmt.text, displayText, sinkName: stmt.name, sinkTopic: topic, plan, query: stmt.query }, ctx, previous);
  } catch (e) {
    // a query that cannot start leaves no sink behind it (the statement may be given again once fixed)
    if (existing) engine.metastore.put(existing); else engine.metastore.delete(stmt.name);
    throw e;
  }
  return commandStatus(engine, stmt, `${kind.toLowerCase()}/\`${stmt.name}\`/create`, `Created query with ID ${queryId}`, { queryId, carriesPlan: true });
}

/**
 * CREATE OR REPLACE ... AS SELECT keeps the sink's records readable: its key columns stay exactly
 * as they were, and its value columns may only gain new ones at the end.
 */
/** The step of a query ksqlDB cannot upgrade in place (joins, windowed aggregations), if any. */
function upgradeBlocker(plan: QueryPlan): string | undefined {
  if (plan.sources.length > 1) {
    const [l, r] = plan.sources as [DataSource, DataSource];
    return l.type === 'STREAM' ? (r.type === 'STREAM' ? 'StreamStreamJoin' : 'StreamTableJoin') : 'TableTableJoin';
  }
  if (plan.windowInfo && plan.resultType === 'TABLE') return 'StreamWindowedAggregate';
  return undefined;
}

/**
 * An aggregation's state is kept per key from the columns it was built on: an upgrade may change
 * its filter only while those columns stay the same (the grouping columns, what the aggregates read,
 * ROWTIME for COUNT(*), then what the WHERE reads).
 */
function checkAggregateUpgrade(previousText: string, next: Query): void {
  let previous: Query | undefined;
  try { const p = parseStatement(previousText); if (p.kind === 'createAs') previous = p.query; } catch { return; }
  if (!previous?.groupBy?.length || !next.groupBy?.length) return;
  const before = aggregateInputs(previous), after = aggregateInputs(next);
  if (before.join() !== after.join()) {
    throw new KsqlStatementError(`StreamAggregate must have matching columns not part of aggregate. Values differ: [${before.map((c) => `\`${c}\``).join(', ')}] vs. [${after.map((c) => `\`${c}\``).join(', ')}]`);
  }
}

function aggregateInputs(q: Query): string[] {
  const out: string[] = [];
  const add = (name: string) => { if (!out.includes(name)) out.push(name); };
  for (const g of q.groupBy ?? []) for (const c of columnRefs(g)) add(c.name);
  const calls: Extract<Expr, { t: 'call' }>[] = [];
  for (const item of q.items) if (item.t === 'expr') collectAggregates(item.expr, calls);
  collectAggregates(q.having, calls);
  for (const call of calls) {
    if (call.star || call.args.length === 0) add('ROWTIME');
    for (const a of call.args) for (const c of columnRefs(a)) add(c.name);
  }
  if (q.where) for (const c of columnRefs(q.where)) add(c.name);
  return out;
}

const normalizedText = (sql: string) => sql.replace(/\s+/g, ' ').trim().toUpperCase();

/** The query's sources by alias with their columns' names, for the formatter to qualify bare columns. */
function formatSides(engine: Engine, q: Query): FormatSide[] {
  return [q.from, ...q.joins.map((j) => j.right)].map((r) => ({ alias: r.alias ?? r.name, columns: engine.metastore.get(r.name)?.columns.map((c) => c.name) ?? [] }));
}

function insertInto(engine: Engine, stmt: InsertInto, ctx: ExecContext): Entity {
  const target = engine.metastore.get(stmt.target);
  // checks of the target, made while ksqlDB prepares the statement: its prefix comes with them
  if (!target) throw new KsqlStatementError(`Exception while preparing statement: Line: ${stmt.pos.line}, Col: ${stmt.pos.col + 13}: Source \`${stmt.target}\` does not exist.`);
  if (target.type !== 'STREAM') throw new KsqlStatementError(`Exception while preparing statement: INSERT INTO can only be used to insert into a stream. ${target.name} is a table.`);
  if (target.isSource) throw new KsqlStatementError(`Cannot insert into read-only stream: ${target.name}`);
  if (target.columns.some((c) => c.ns === 'HEADER')) throw new KsqlStatementError(`Cannot insert into ${target.name} because it has header columns`);
  const w = WithProps.validate(stmt.props, 'insert');
  const planned = planQuery(stmt.query, engine.metastore, { persistent: true, sinkName: stmt.target, statement: 'INSERT INTO', properties: { ...engine.properties, ...ctx.properties } });
  if (planned.resultType !== 'STREAM') throw new KsqlStatementError(`Incompatible data sink and query result. Data sink (${target.name}) type is KSTREAM but select query result is KTABLE.`);
  // a windowed sink's records have windowed keys: rows without a window would be keys its readers cannot read
  if (target.windowInfo && !planned.windowInfo) throw new KsqlStatementError(`Incompatible data sink and query result. Data sink (${target.name}) is ${target.windowInfo.type} windowed but the select query result is not windowed.`);
  checkCoPartitioned(engine, planned);
  const plan = castIntegerLiterals(planned, stmt, target);
  const result = sinkColumns(plan);
  const compatible = result.length === target.columns.length && result.every((c, i) => {
    const t = target.columns[i]!;
    return c.name === t.name && c.ns === t.ns && (typesEqual(c.type, t.type) || (c.type.kind === 'DECIMAL' && t.type.kind === 'DECIMAL' && c.type.scale <= t.type.scale && c.type.precision - c.type.scale <= t.type.precision - t.type.scale));
  });
  if (!compatible) {
    throw new KsqlStatementError(`Incompatible schema between results and sink.\nResult schema is ${schemaToString(result)}\nSink schema is ${schemaToString(target.columns)}`);
  }
  let id = w.string('QUERY_ID');
  if (id !== undefined) {
    id = id.toUpperCase();
    if (/^(INSERTQUERY_|CTAS_|CSAS_|CST_)/.test(id)) throw new KsqlStatementError(`Query IDs must not start with a reserved query ID prefix (INSERTQUERY_, CTAS_, CSAS_, CST_). Got '${id}'.`);
    if (engine.queries.has(id)) throw new KsqlStatementError(`Query ID '${id}' already exists.`);
  } else id = `INSERTQUERY_${engine.nextQueryNumber()}`;
  const rendered = formatInsertInto(target.name, stmt.query, plan.columns.map((c) => c.name), formatSides(engine, stmt.query));
  startPersistentQuery(engine, { id, kind: 'INSERT', statementText: stmt.text, displayText: rendered === undefined ? undefined : `${rendered};`, sinkName: target.name, sinkTopic: target.topic, plan: castWidenedDecimals(plan, target), query: stmt.query }, ctx);
  return commandStatus(engine, stmt, `stream/\`${target.name}\`/create`, `Created query with ID ${id}`, { queryId: id, carriesPlan: true });
}

/**
 * A sink written with a registered schema (KEY_SCHEMA_ID, VALUE_SCHEMA_ID): each of the query's
 * columns must be the schema's column at the same place, by name and type. The schema may have
 * more columns after them.
 */
function checkSchemaIdColumns(engine: Engine, topic: string, format: FormatInfo, cols: Column[], isKey: boolean): void {
  if (format.schemaId === undefined || cols.length === 0 || !isSchemaFormat(format.format)) return;
  const registered = inferColumns(engine, topic, format, isKey, true)!.columns;
  // a single key (or unwrapped value) is the schema itself, whatever the column is named
  if (cols.length === 1 && isUnwrapped(format, cols, isKey) && registered.length === 1 && typesEqual(registered[0]!.type, cols[0]!.type)) return;
  const off = cols.filter((c, i) => registered[i]?.name !== c.name || !typesEqual(registered[i]!.type, c.type));
  if (off.length === 0) return;
  const side = isKey ? 'key' : 'value';
  throw new KsqlStatementError(`The following ${side} columns are changed, missing or reordered: [${schemaToString(off, false)}]. Schema from schema registry is [${schemaToString(registered, false)}]`);
}

/**
 * INSERT INTO casts an integer literal to the sink's DECIMAL column when its digits fit, as ksqlDB
 * rewrites such literals; other columns must match the sink as they are.
 */
function castIntegerLiterals(plan: QueryPlan, stmt: InsertInto, target: DataSource): QueryPlan {
  const items = stmt.query.items;
  if (!items.every((it) => it.t === 'expr') || items.length !== plan.columns.length) return plan;
  const casts = new Map<number, SqlType>();
  plan.columns.forEach((c, i) => {
    const e = (items[i] as Extract<SelectItem, { t: 'expr' }>).expr;
    const to = target.columns.find((t) => t.name === c.name)?.type;
    if (!to || to.kind !== 'DECIMAL' || e.t !== 'lit' || (c.type.kind !== 'INTEGER' && c.type.kind !== 'BIGINT') || typeof e.value !== 'number') return;
    const digits = String(Math.abs(e.value)).length;
    if (canImplicitlyCast({ kind: 'DECIMAL', precision: digits, scale: 0 }, to)) casts.set(i, to);
  });
  return convertedTo(plan, casts);
}

/** The sink's DECIMAL columns the result widens into (more scale or integer digits): their values are rescaled. */
function castWidenedDecimals(plan: QueryPlan, target: DataSource): QueryPlan {
  const casts = new Map<number, SqlType>();
  plan.columns.forEach((c, i) => {
    const to = target.columns.find((t) => t.name === c.name)?.type;
    if (to && c.type.kind === 'DECIMAL' && !typesEqual(c.type, to)) casts.set(i, to);
  });
  return convertedTo(plan, casts);
}

/**
 * A plan whose columns at the given indexes are converted to the given types as they are emitted,
 * keys included. The emitted lists are copied first: a row may share them with the record it came
 * from, whose decoded values other readers use.
 */
function convertedTo(plan: QueryPlan, casts: Map<number, SqlType>): QueryPlan {
  if (!casts.size) return plan;
  const keyCasts = plan.keyIndexes.map((ci) => casts.get(ci));
  return {
    ...plan,
    columns: plan.columns.map((c, i) => (casts.has(i) ? { ...c, type: casts.get(i)! } : c)),
    build(emit, onError, stores) {
      return plan.build((o) => {
        if (o.values) {
          const values = o.values.slice();
          for (const [i, to] of casts) values[i] = convert(values[i], plan.columns[i]!.type, to);
          o.values = values;
        }
        if (keyCasts.some((t) => t)) o.key = o.key.map((k, j) => (keyCasts[j] ? convert(k, plan.columns[plan.keyIndexes[j]!]!.type, keyCasts[j]!) : k));
        emit(o);
      }, onError, stores);
    },
  };
}

/**
 * A key-to-key join needs its sources co-partitioned, as ksqlDB's JoinNode checks (a side that is
 * repartitioned keeps its source's count); foreign-key joins do not.
 */
export function checkCoPartitioned(engine: Engine, plan: QueryPlan): void {
  for (const [l, r] of plan.coPartitioned ?? []) {
    const lp = engine.topics.get(l.topic)?.partitions.length, rp = engine.topics.get(r.topic)?.partitions.length;
    if (lp === undefined || rp === undefined || lp === rp) continue;
    throw new KsqlStatementError(`Can't join \`${l.name}\` with \`${r.name}\` since the number of partitions don't match. \`${l.name}\` partitions = ${lp}; \`${r.name}\` partitions = ${rp}. Please repartition either one so that the number of partitions match.`);
  }
}

export function startPersistentQuery(engine: Engine, q: PersistentQuery, ctx: ExecContext, previous?: PersistentQuery): void {
  // (a copy: a SET after it in the same request changes the request's properties, not the query's)
  q.overrides ??= { ...ctx.properties };
  if (engine.sandbox) { engine.queries.set(q.id, q); return; }
  const sink = engine.metastore.get(q.sinkName)!;
  const reset = String(ctx.properties['ksql.streams.auto.offset.reset'] ?? ctx.properties['auto.offset.reset'] ?? engine.properties['ksql.streams.auto.offset.reset'] ?? 'latest');
  let emit: (o: OutMsg) => void = () => undefined;
  q.runtime = new RunningQuery(q.id, q.plan, engine.topics, reset !== 'earliest', (o) => emit(o), engine.stepHooks);
  q.runtime.throwOnInvalidTimestamp = throwsOnInvalidTimestamp(ctx.properties, engine.properties);
  engine.watchErrors(q.runtime);
  if (sink.type === 'TABLE') q.materialized = q.runtime.store<MaterializedRow>('materialized');
  // a repartition topic has the (left) source's partitions: a key's partition there is its task
  const sourcePartitions = engine.topics.get(q.plan.sources[0]!.topic)?.partitions.length ?? 1;
  const repartitioned = (ks: Serde) => (key: unknown[]) => { try { return partitionForKey(ks.serialize(key) ?? Buffer.alloc(0), sourcePartitions); } catch { return 0; } };
  if (q.plan.repartition && sink.windowInfo && !engine.options.singlePartition) {
    // a GROUP BY that repartitions: a group's stream time is that of its partition in the
    // repartition topic, which has the sink's key format
    q.plan.groupPartition = repartitioned(serdesOf(sink).key);
  }
  if (q.plan.repartition && q.plan.joinKeyType && !engine.options.singlePartition) {
    // a join that repartitions: a row's stream time is its join key's partition's in the
    // repartition topic (the key as KAFKA writes it)
    const byKey = repartitioned(keySerde({ format: 'KAFKA' }, [{ name: 'K', type: q.plan.joinKeyType, ns: 'KEY' }]));
    const partitionOf = (key: unknown) => (key === null || key === undefined ? 0 : byKey([key]));
    // (join keys repeat: a key's partition is remembered, for a bounded number of keys)
    const known = new Map<unknown, number>();
    q.plan.joinPartition = (key) => {
      if ((typeof key !== 'string' && typeof key !== 'number') || Object.is(key, -0)) return partitionOf(key);
      let p = known.get(key);
      if (p === undefined) { if (known.size >= 10_000) known.clear(); p = partitionOf(key); known.set(key, p); }
      return p;
    };
  }
  emit = makeSinkWriter(engine, q, sink);
  q.groupId ??= previous?.groupId ?? queryGroupId(engine, q);
  if (previous?.runtime) {
    // CREATE OR REPLACE keeps the query's position and its state
    q.runtime.cursor.restore(previous.runtime.cursor.offsets());
    for (const [name, store] of previous.runtime.stores) for (const [k, v] of store.entries()) q.runtime.store(name).restore(k, v);
    const source = q.plan.sources[0] && engine.topics.get(q.plan.sources[0].topic);
    if (q.plan.reseed && source && previous.statementText !== q.statementText) q.plan.reseed((name) => q.runtime!.store(name), source.records());
  }
  engine.queries.set(q.id, q);
}

/** Serializes query output into the sink topic, and keeps a table sink's latest rows for pull queries. */
function makeSinkWriter(engine: Engine, q: PersistentQuery, sink: DataSource): (o: OutMsg) => void {
  const { key: ks, value: vs } = serdesOf(sink);
  const plan = q.plan;
  const valueIdx = plan.columns.map((_c, i) => i).filter((i) => !plan.keyIndexes.includes(i) && !plan.columns[i]!.isKey);
  const session = sink.windowInfo?.type === 'SESSION';
  const windowedSink = sink.windowInfo !== undefined;
  const tsIdx = sink.timestampColumn === undefined ? -1 : plan.columns.findIndex((c) => c.name === sink.timestampColumn);
  // a table's state store holds what its changelog holds: for Protobuf, a NULL written is read back as the default
  const readsBack = sink.valueFormat.format === 'PROTOBUF' || sink.valueFormat.format === 'PROTOBUF_NOSR';
  const stored = (o: OutMsg, valueBytes: Buffer | null | undefined): unknown[] | null => {
    if (o.values === null || !readsBack || !valueBytes) return o.values;
    const back = vs.deserialize(valueBytes);
    if (!back) return o.values;
    const values = [...o.values];
    valueIdx.forEach((i, j) => { values[i] = back[j] ?? null; });
    return values;
  };
  // each key's latest window's row key, remembered
  const rowKeys = new LatestWindowText();
  const windowedText = (key: unknown[], w: { start: number; end: number }): string => {
    const ks = keyString(key);
    return rowKeys.known(ks, w.start, w.end) ?? rowKeys.keep(ks, w.start, w.end, windowedKeyString(key, w.start, w.end));
  };
  const materialize = (o: OutMsg, valueBytes?: Buffer | null) => {
    if (!q.materialized) return;
    const mk = o.window ? windowedText(o.key, o.window) : keyString(o.key);
    const values = stored(o, valueBytes);
    if (values === null) q.materialized.delete(mk);
    else q.materialized.put(mk, { key: o.key, values, window: o.window, ts: o.ts });
  };
  // the value columns of a row, in the sink's order (a new list: the serializer may keep it as the record's decoded values)
  const valuesOf = (values: unknown[]): unknown[] => {
    const out = new Array<unknown>(valueIdx.length);
    for (let j = 0; j < valueIdx.length; j++) out[j] = values[valueIdx[j]!];
    return out;
  };
  const sinkTopic = new TopicRef(engine.topics, q.sinkTopic);
  // (counted as the query's errors, and in the processing log, as ksqlDB's sink logs them)
  const fail = (e: unknown) => q.runtime?.reportError(e);
  // a record the sink's format cannot write stops the query, logged first: ksqlDB's serializer logs
  // and rethrows, and Kafka Streams' record collector does not get past it (StreamsException, Unable
  // to serialize record), so ksqlDB's query goes to ERROR on that record and writes nothing after it
  const serializerFailed = (e: SerializationError) => q.runtime?.fail(`Exception caught in process: ${e.message}`, e);
  return (o) => {
    // (a row of the record that stopped the query, after the one that failed, is not written either)
    if (q.runtime?.state === 'ERROR') return;
    // a SOURCE table's query only materializes: its topic is written by others
    if (q.kind === 'CST') { materialize(o); return; }
    let keyBytes: Buffer | null;
    let valueBytes: Buffer | null;
    let ts = o.ts;
    try {
      // WITH (TIMESTAMP=...) on the sink: the record takes its time from that column
      if (tsIdx >= 0 && o.values !== null) ts = timestampFromColumn(o.values[tsIdx], plan.columns[tsIdx]!, sink.timestampFormat);
    } catch (e) { fail(e); return; }
    try { keyBytes = isNoKey(o.key) ? null : ks.serialize(o.key); } catch (e) { serializerFailed(new SerializationError('key', q.sinkTopic, e)); return; }
    try { valueBytes = o.values === null ? null : vs.serialize(valuesOf(o.values)); } catch (e) { serializerFailed(new SerializationError('value', q.sinkTopic, e)); return; }
    const topic = sinkTopic.get();
    if (!topic) return;
    let partition: number | undefined;
    if (windowedSink && o.window && keyBytes) partition = partitionForKey(keyBytes, topic.partitions.length);
    // window bytes only where the sink is windowed (INSERT INTO a plain stream drops the window)
    const fullKey = windowedSink && o.window ? windowedKey(keyBytes, o.window, session) : keyBytes;
    engine.topics.appendTo(topic, { key: fullKey, value: valueBytes, timestamp: ts, headers: o.headers, partition }, 'derived');
    materialize(o, valueBytes);
  };
}

/** ksql.timestamp.throw.on.invalid, the request's over the server's (default false). */
export function throwsOnInvalidTimestamp(request: Record<string, unknown>, server: Record<string, string>): boolean {
  return String(request['ksql.timestamp.throw.on.invalid'] ?? server['ksql.timestamp.throw.on.invalid'] ?? 'false').trim().toLowerCase() === 'true';
}
