import type { Statement, ColumnDef } from '../sql/ast.js';
import type { Engine, Entity, ExecContext } from '../engine.js';
import { KsqlStatementError, ParseFailedError } from '../analysis/errors.js';
import { formatCreateSource, propsByName } from '../analysis/sql-formatter.js';
import { SYSTEM_COLUMNS, columnsToSql, keyColumns, schemaToString, valueColumns, type Column, type FormatInfo } from '../catalog/schema.js';
import { WithProps, parseDurationText } from '../catalog/with-props.js';
import type { DataSource } from '../catalog/metastore.js';
import { checkFormatSupports } from '../serde/formats.js';
import { MAX_TOPIC_PARTITIONS, topicNameProblem } from '../storage/topics.js';
import { isSrFormat } from '../serde/sr-serde.js';
import { RegistryError } from '../schema-registry/errors.js';
import { checkSchemaIdProps, inferColumns, registerColumns, subjectOf, withDefaultName } from './sr-binding.js';
import { typeToString, T, typesEqual, containsMap, quoteIfNeeded } from '../sql/types.js';

import { commandStatus, warningEntity } from './status.js';
import { planQuery } from '../analysis/planner.js';
import { parseStatement } from '../sql/parser.js';
import { startPersistentQuery } from './queries.js';
import { checkUpgrade } from './upgrade.js';
import { patternLetters } from '../functions/java-pattern.js';

type Create = Extract<Statement, { kind: 'createSource' }>;

/**
 * A value format's single-value wrapping: WRAP_SINGLE_VALUE from the WITH clause, which only a
 * single value column may set; else ksql.persistence.wrap.single.values=false unwraps a single
 * value column of a format that can (JSON, AVRO, JSON_SR).
 */
export function withWrapping(format: FormatInfo, w: WithProps, valueColumnCount: number, properties: Record<string, string>): FormatInfo {
  if (w.has('WRAP_SINGLE_VALUE')) {
    if (valueColumnCount !== 1) throw new KsqlStatementError("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
    return format;
  }
  const unwrapByDefault = String(properties['ksql.persistence.wrap.single.values'] ?? 'true').toLowerCase() === 'false';
  if (unwrapByDefault && valueColumnCount === 1 && ['JSON', 'AVRO', 'JSON_SR'].includes(format.format)) return { ...format, wrapSingle: false };
  return format;
}

/** The WITH clause's TIMESTAMP column, checked against the columns (a source's, or a CSAS/CTAS sink's). */
export function timestampColumnOf(w: WithProps, columns: Column[]): string | undefined {
  const tsName = w.string('TIMESTAMP');
  if (tsName === undefined) return undefined;
  const upper = tsName.startsWith('`') ? tsName.slice(1, -1) : tsName.toUpperCase();
  const col = columns.find((c) => c.name === upper);
  if (!col) throw new KsqlStatementError(`The TIMESTAMP column set in the WITH clause does not exist in the schema: '${upper}'`);
  // (ksqlDB's extraction policy factory says so of a STRING column alone)
  if (col.type.kind === 'STRING' && !w.has('TIMESTAMP_FORMAT')) throw new KsqlStatementError('A String timestamp field has been specified without also specifying the timestamp_format');
  if (!['BIGINT', 'TIMESTAMP', 'STRING'].includes(col.type.kind)) {
    throw new KsqlStatementError(`Timestamp column, \`${upper}\`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.`);
  }
  // a pattern DateTimeFormatter refuses is refused with the statement (every record would fail later)
  const format = w.string('TIMESTAMP_FORMAT');
  if (format !== undefined && col.type.kind === 'STRING') {
    try { patternLetters(format); } catch (e) { throw new KsqlStatementError(`Invalid datetime format for config:TIMESTAMP_FORMAT, reason:${(e as Error).message}`); }
  }
  return upper;
}

export function executeDdl(engine: Engine, stmt: Statement, ctx: ExecContext): Entity | undefined {
  switch (stmt.kind) {
    case 'createSource': return createSource(engine, stmt, ctx);
    case 'drop': return dropSource(engine, stmt);
    case 'alter': return alterSource(engine, stmt);
    case 'createType': {
      if (engine.metastore.types.has(stmt.name)) {
        // IF NOT EXISTS: the command runs (a sequence number of its own) and finds the type registered,
        // as ksqlDB's DdlCommandExec answers it; the warning entity is for streams and tables only
        if (stmt.ifNotExists) return commandStatus(engine, stmt, `type/${stmt.name}/create`, `${stmt.name} is already registered with type ${typeToString(engine.metastore.types.get(stmt.name)!)}`, { carriesPlan: true });
        throw new KsqlStatementError(`Cannot register custom type '${stmt.name}' since it is already registered with type: ${typeToString(engine.metastore.types.get(stmt.name)!)}`);
      }
      engine.metastore.types.set(stmt.name, stmt.type);
      return commandStatus(engine, stmt, `type/${stmt.name}/create`, `Registered custom type with name '${stmt.name}' and SQL type ${typeToString(stmt.type)}`, { carriesPlan: true });
    }
    case 'dropType': {
      if (!engine.metastore.types.has(stmt.name)) {
        if (stmt.ifExists) return commandStatus(engine, stmt, `type/${stmt.name}/drop`, `Type '${stmt.name}' does not exist`, { carriesPlan: true });
        throw new KsqlStatementError(`Type ${stmt.name} does not exist.`);
      }
      engine.metastore.types.delete(stmt.name);
      return commandStatus(engine, stmt, `type/${stmt.name}/drop`, `Dropped type '${stmt.name}'`, { carriesPlan: true });
    }
    default: return undefined;
  }
}

export function columnsFromDefs(defs: ColumnDef[], sourceType: 'STREAM' | 'TABLE'): Column[] {
  const seen = new Set<string>();
  const cols: Column[] = [];
  for (const d of defs) {
    const loc = `Line: ${d.pos.line}, Col: ${d.pos.col + 1}: `;
    if (SYSTEM_COLUMNS.includes(d.name.toUpperCase()) && d.name === d.name.toUpperCase()) {
      throw new KsqlStatementError(`'${d.name}' is a reserved column name. You cannot use it as a name for a column.`);
    }
    if (seen.has(d.name)) throw new KsqlStatementError(`Duplicate column names: ${d.name}`);
    seen.add(d.name);
    if (d.role === 'primaryKey' && sourceType === 'STREAM') throw new ParseFailedError(`${loc}Column \`${d.name}\` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.`);
    if (d.role === 'key' && sourceType === 'TABLE') throw new ParseFailedError(`${loc}Column \`${d.name}\` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.`);
    if (d.role === 'headers' && !typesEqual(d.type, T.array(T.struct([{ name: 'KEY', type: T.STRING }, { name: 'VALUE', type: T.BYTES }])))) {
      throw new KsqlStatementError(`Invalid type for HEADERS column: expected ARRAY<STRUCT<\`KEY\` STRING, \`VALUE\` BYTES>>, got ${typeToString(d.type)}`);
    }
    if (d.role === 'header' && d.type.kind !== 'BYTES') throw new KsqlStatementError(`Invalid type for HEADER('${d.headerKey}') column: expected BYTES, got ${typeToString(d.type)}`);
    if (d.role === 'headers' || d.role === 'header') {
      // one HEADERS column takes every header: nothing else may read them; a key is read once
      const clash = cols.find((c) => c.ns === 'HEADER' && (c.headerKey === undefined || d.role === 'headers' || c.headerKey === d.headerKey));
      if (clash) throw new KsqlStatementError(`Schema already contains a ${clash.headerKey === undefined ? 'HEADERS' : `HEADER('${clash.headerKey}')`} column.`);
    }
    const ns = d.role === 'key' || d.role === 'primaryKey' ? 'KEY' : d.role === 'value' ? 'VALUE' : 'HEADER';
    cols.push({ name: d.name, type: d.type, ns, headerKey: d.role === 'header' ? d.headerKey : undefined });
  }
  // keys first, then values, then headers, each in declared order
  return [...cols.filter((c) => c.ns === 'KEY'), ...cols.filter((c) => c.ns === 'VALUE'), ...cols.filter((c) => c.ns === 'HEADER')];
}

/** The window a source's WITH clause gives its topic's keys (WINDOW_TYPE, WINDOW_SIZE), checked as ksqlDB checks them while parsing. */
function windowOf(w: WithProps): DataSource['windowInfo'] {
  const wt = w.string('WINDOW_TYPE');
  // (ksqlDB reads a WINDOW_SIZE without a WINDOW_TYPE as one given for no window or a SESSION one)
  if (wt === undefined && w.has('WINDOW_SIZE')) throw new ParseFailedError("'WINDOW_SIZE' should not be set for SESSION windows.");
  if (wt !== undefined) {
    const type = wt.toUpperCase() as 'TUMBLING' | 'HOPPING' | 'SESSION';
    if (!['TUMBLING', 'HOPPING', 'SESSION'].includes(type)) throw new KsqlStatementError(`Invalid value ${wt} for property WINDOW_TYPE: String must be one of: SESSION, HOPPING, TUMBLING`);
    const size = w.string('WINDOW_SIZE');
    // ksqlDB checks these while building the statement's properties, i.e. while parsing
    if (type === 'SESSION' && size !== undefined) throw new ParseFailedError("'WINDOW_SIZE' should not be set for SESSION windows.");
    if (type !== 'SESSION' && size === undefined) throw new ParseFailedError(`${type} windows require 'WINDOW_SIZE' to be provided in the WITH clause. For example: 'WINDOW_SIZE'='10 SECONDS'`);
    const sizeMs = size === undefined ? undefined : parseDurationText(size);
    if (size !== undefined && sizeMs === undefined) {
      const unit = /^\s*\d+\s+([A-Za-z_]+)\s*$/.exec(size)?.[1];
      throw new ParseFailedError(`Configuration WINDOW_SIZE is invalid: Invalid duration: '${size}'. ${unit ? `Unknown time unit: '${unit.toUpperCase()}'` : "e.g. '10 SECONDS'"}`);
    }
    return { type, sizeMs };
  }
  return undefined;
}

export function existsMessage(newKind: string, name: string, existing: DataSource): string {
  return `Cannot add ${newKind.toLowerCase()} '${name}': A ${existing.type.toLowerCase()} with the same name already exists`;
}

function createSource(engine: Engine, stmt: Create, ctx: ExecContext): Entity {
  const kind = stmt.sourceType;
  // what ksqlDB checks as it parses the statement (its WITH clause, its column definitions) comes
  // before the name is looked at: IF NOT EXISTS does not pass an invalid statement
  const w = WithProps.validate(stmt.props, 'create');
  const topic = w.string('KAFKA_TOPIC');
  if (topic === undefined) throw new KsqlStatementError('Missing required property "KAFKA_TOPIC" which has no default value.');
  const declared = columnsFromDefs(stmt.columns ?? [], kind);
  const windowInfo = windowOf(w);
  const partitions = w.int('PARTITIONS');
  const replicas = w.int('REPLICAS');
  const existing = engine.metastore.get(stmt.name);
  if (existing && stmt.ifNotExists) return warningEntity(stmt, `Cannot add ${kind.toLowerCase()} \`${stmt.name}\`: A ${kind.toLowerCase()} with the same name already exists.`);
  if (existing && !stmt.orReplace) throw new KsqlStatementError(existsMessage(kind, stmt.name, existing));
  if (stmt.orReplace && (stmt.isSource || existing?.isSource)) throw new KsqlStatementError(`Cannot add ${kind.toLowerCase()} '${stmt.name}': CREATE OR REPLACE is not supported on source ${kind.toLowerCase()}s.`);
  // the request's properties (SET, streamsProperties) come before the server's
  const setting = (name: string): FormatInfo['format'] | undefined => {
    const v = ctx.properties[name] ?? engine.properties[name];
    return v === undefined || v === null || v === '' ? undefined : String(v).toUpperCase() as FormatInfo['format'];
  };
  const valueFormatName = w.valueFormatName() ?? setting('ksql.persistence.default.format.value');
  if (!valueFormatName) throw new KsqlStatementError("Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.");
  const keyFormatName = w.keyFormatName() ?? setting('ksql.persistence.default.format.key') ?? 'KAFKA';
  const sr = isSrFormat(valueFormatName) || isSrFormat(keyFormatName);
  if (!stmt.columns && !sr) {
    // the formats' own properties are checked before the (missing) schema
    w.formatInfo(valueFormatName, false);
    w.formatInfo(keyFormatName, true);
    throw new KsqlStatementError('No columns supplied.');
  }
  let columns = declared;
  const declaredKeys = keyColumns(columns).length > 0, declaredValues = valueColumns(columns).length > 0;
  let keyFormat = withDefaultName(w.formatInfo(!declaredKeys && !w.keyFormatName() ? 'KAFKA' : keyFormatName, true), stmt.name, true);
  let valueFormat = w.formatInfo(valueFormatName, false);
  checkSchemaIdProps(keyFormat, declaredKeys, true);
  checkSchemaIdProps(valueFormat, declaredValues, false);
  // AVRO, PROTOBUF and JSON_SR take the columns a statement leaves out from the registry
  if (isSrFormat(valueFormat.format) && !declaredValues) {
    const inferred = inferColumns(engine, topic, valueFormat, false, true)!;
    valueFormat = inferred.format;
    columns = [...keyColumns(columns), ...inferred.columns, ...columns.filter((c) => c.ns === 'HEADER')];
  }
  if (isSrFormat(keyFormat.format) && !declaredKeys) {
    const inferred = inferColumns(engine, topic, keyFormat, true, keyFormat.schemaId !== undefined);
    if (inferred) { keyFormat = inferred.format; columns = [...inferred.columns, ...columns.filter((c) => c.ns !== 'KEY')]; }
  }
  for (const k of keyColumns(columns)) {
    if (containsMap(k.type)) throw new KsqlStatementError(`Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: \`${k.name}\`. Column type: ${typeToString(k.type)}. See https://github.com/confluentinc/ksql/issues/6621 for more.`);
  }
  if (kind === 'TABLE' && keyColumns(columns).length === 0) throw new KsqlStatementError('Tables require a PRIMARY KEY. Please define the PRIMARY KEY.');
  for (const [fmt, cols, isKey] of [[keyFormat, keyColumns(columns), true], [valueFormat, valueColumns(columns), false]] as const) {
    const msg = checkFormatSupports(fmt, cols, isKey);
    if (msg) throw new KsqlStatementError(`${isKey ? 'Key' : 'Value'} format does not support schema.\nformat: ${fmt.format}\nschema: Persistence{columns=[${schemaToString(cols)}], features=[]}\nreason: ${msg}`);
  }
  valueFormat = withWrapping(valueFormat, w, valueColumns(columns).length, engine.properties);
  const timestampColumn = timestampColumnOf(w, columns);
  // windowed topics
  if (windowInfo && keyColumns(columns).length === 0) throw new KsqlStatementError('Windowed sources require a key column.');
  w.checkRetention(stmt.sourceType, windowInfo !== undefined);
  const retentionMs = w.long('RETENTION_MS');
  // topic
  const t = engine.topics.get(topic);
  if (!t) {
    if (partitions === undefined) {
      throw new KsqlStatementError(`Topic '${topic}' does not exist. If you want to create a new topic for the stream/table please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: ${renderCreateExample(stmt)}`);
    }
    if (partitions < 1) throw new KsqlStatementError(`Invalid value ${partitions} for configuration num.partitions: must be at least 1`);
    if (partitions > MAX_TOPIC_PARTITIONS) throw new KsqlStatementError(`Invalid value ${partitions} for configuration num.partitions: the local server holds at most ${MAX_TOPIC_PARTITIONS} per topic`);
    const illegal = topicNameProblem(topic);
    if (illegal) throw new KsqlStatementError(illegal);
    const clash = engine.topics.clashOf(topic);
    if (clash) throw new KsqlStatementError(`Topic '${topic}' collides with existing topic: ${clash}`);
    // (RETENTION_MS is the new topic's retention.ms, as ksqlDB's TopicCreateInjector sets it)
    engine.topics.create(topic, { partitions, replicas: replicas ?? 1, cleanupPolicy: kind === 'TABLE' ? 'compact' : 'delete', ...(retentionMs === undefined ? {} : { overrides: { 'retention.ms': String(retentionMs) } }) });
  } else if ((partitions !== undefined && partitions !== t.config.partitions) || (replicas !== undefined && replicas !== t.config.replicas)) {
    throw new KsqlStatementError(`A Kafka topic with the name '${topic}' already exists, with different partition/replica configuration than required. KSQL expects ${partitions ?? t.config.partitions} partitions (topic has ${t.config.partitions}), and ${replicas ?? t.config.replicas} replication factor (topic has ${t.config.replicas}).`);
  }
  if (existing && stmt.orReplace) checkUpgrade(existing, { type: kind, topic, columns, keyFormat, valueFormat, timestampColumn, timestampFormat: w.string('TIMESTAMP_FORMAT'), windowInfo });
  // (a CREATE OR REPLACE of a source of declared columns writes with their new schema, registered as
  // a version of the subject when it first writes: the one the source had would drop a column added)
  if (declaredKeys) keyFormat = registerColumns(engine, topic, keyFormat, keyColumns(columns), true, true);
  if (declaredValues) valueFormat = registerColumns(engine, topic, valueFormat, valueColumns(columns), false, true);
  const ds: DataSource = {
    name: stmt.name, type: kind, columns, topic, keyFormat, valueFormat, windowInfo, timestampColumn,
    timestampFormat: w.string('TIMESTAMP_FORMAT'), isSource: stmt.isSource, statement: storedCreate(stmt, kind, columns, keyFormat.format), registry: engine.registry,
  };
  engine.metastore.put(ds);
  let queryId: string | undefined;
  if (stmt.isSource && kind === 'TABLE') {
    // a SOURCE table is materialized by a query of its own, so pull queries can read it
    queryId = `CST_${stmt.name.toUpperCase()}_${engine.nextQueryNumber()}`;
    ds.writerQueryId = queryId;
    const select = parseStatement(`SELECT * FROM \`${stmt.name}\`;`) as Extract<Statement, { kind: 'select' }>;
    const plan = planQuery(select.query, engine.metastore, { persistent: false });
    // (its text shown as the table's stored statement, as ksqlDB keeps one text for both)
    startPersistentQuery(engine, { id: queryId, kind: 'CST', statementText: stmt.text, displayText: ds.statement, sinkName: stmt.name, sinkTopic: topic, plan }, { ...ctx, properties: { ...ctx.properties, 'ksql.streams.auto.offset.reset': 'earliest' } });
  }
  return commandStatus(engine, stmt, `${kind.toLowerCase()}/\`${stmt.name}\`/create`, `${kind === 'STREAM' ? 'Stream' : 'Table'} created`, { carriesPlan: true, queryId });
}

function renderCreateExample(stmt: Create): string {
  const props = [...stmt.props.entries()].map(([k, v]) => `${k}=${typeof v.value === 'string' ? `'${v.value}'` : v.value}`);
  props.push('PARTITIONS=2');
  props.sort();
  const cols = stmt.columns ? ` (${columnsToSql(columnsFromDefs(stmt.columns, stmt.sourceType), stmt.sourceType)})` : '';
  return `CREATE ${stmt.sourceType} ${quoteIfNeeded(stmt.name)}${cols} WITH (${props.join(', ')});`;
}

function dropSource(engine: Engine, stmt: Extract<Statement, { kind: 'drop' }>): Entity {
  const kind = stmt.sourceType;
  const ds = engine.metastore.get(stmt.name);
  if (!ds) {
    if (stmt.ifExists) return commandStatus(engine, stmt, `${kind.toLowerCase()}/${stmt.name}/drop`, `Source \`${stmt.name}\` does not exist.`, { carriesPlan: true });
    throw new KsqlStatementError(`${kind === 'STREAM' ? 'Stream' : 'Table'} ${stmt.name} does not exist.${engine.metastore.hint(stmt.name)}`);
  }
  if (ds.type !== kind) throw new KsqlStatementError(`Incompatible data source type is ${ds.type.toLowerCase()}, but statement was DROP ${kind.toLowerCase()}`);
  const readers: string[] = [], writers: string[] = [];
  for (const q of engine.queries.values()) {
    if (q.kind !== 'INSERT') continue;
    if (q.plan.sources.some((s) => s.name === ds.name)) readers.push(q.id);
    if (q.sinkName === ds.name) writers.push(q.id);
  }
  // streams and tables made from it hold it, whether their queries run or were terminated
  const derived = engine.metastore.constraintsOn(ds.name);
  if (readers.length || writers.length) {
    throw new KsqlStatementError(`Cannot drop ${ds.name}.\nThe following queries read from this source: [${readers.sort().join(', ')}].\nThe following queries write into this source: [${writers.sort().join(', ')}].\nYou need to terminate them before dropping ${ds.name}.`);
  }
  if (derived.length) {
    throw new KsqlStatementError(`Cannot drop ${ds.name}.\nThe following streams and/or tables read from this source: [${derived.join(', ')}].\nYou need to drop them before dropping ${ds.name}.`);
  }
  if (stmt.deleteTopic) {
    if (ds.isSource) throw new KsqlStatementError(`Cannot delete topic for read-only source: ${ds.name}`);
    const others = engine.metastore.list().filter((s) => s.topic === ds.topic && s.name !== ds.name).map((s) => s.name);
    if (others.length) throw new KsqlStatementError(`Refusing to delete topic. Found other data sources (${others.join(', ')}) using topic ${ds.topic}`);
  }
  if (stmt.deleteTopic) {
    // with the topic go its Schema Registry subjects, as ksqlDB's TopicDeleteInjector deletes them
    // (before the drop: one it cannot delete fails the statement), so the source can be made again
    // with other columns
    for (const [format, isKey] of [[ds.keyFormat.format, true], [ds.valueFormat.format, false]] as const) {
      const subject = subjectOf(ds.topic, isKey);
      if (!isSrFormat(format) || !engine.registry.listSubjects().includes(subject)) continue;
      try { engine.registry.deleteSubject(subject); } catch (e) {
        if (!(e instanceof RegistryError)) throw e;
        throw new KsqlStatementError(`Could not clean up the schema registry for topic: ${ds.topic}`);
      }
    }
  }
  // the query that populates the source stops with it (ksqlDB >= 0.15)
  for (const q of [...engine.queries.values()]) if (q.sinkName === ds.name && q.kind !== 'INSERT') engine.queries.delete(q.id);
  engine.metastore.delete(ds.name);
  if (stmt.deleteTopic) engine.topics.delete(ds.topic);
  return commandStatus(engine, stmt, `${kind.toLowerCase()}/${stmt.name}/drop`, `Source \`${ds.name}\` (topic: ${ds.topic}) was dropped.`, { carriesPlan: true });
}

function alterSource(engine: Engine, stmt: Extract<Statement, { kind: 'alter' }>): Entity {
  const ds = engine.metastore.get(stmt.name);
  if (!ds) throw new KsqlStatementError(`Source ${stmt.name} does not exist.`);
  if (ds.type !== stmt.sourceType) throw new KsqlStatementError(`Incompatible data source type is ${ds.type}, but statement was ALTER ${stmt.sourceType}`);
  if (ds.isSource) {
    const kind = ds.type.toLowerCase();
    throw new KsqlStatementError(`Cannot alter ${kind} '${ds.name}': ALTER operations are not supported on source ${kind}s.`);
  }
  if (ds.writerQueryId) throw new KsqlStatementError(`ALTER command is not supported for CREATE ... AS statements.`);
  const added: Column[] = [];
  for (const c of stmt.columns) {
    if (ds.columns.some((x) => x.name === c.name) || added.some((x) => x.name === c.name)) throw new KsqlStatementError(`Cannot add column \`${c.name}\` to schema. A column with the same name already exists.`);
    added.push({ name: c.name, type: c.type, ns: 'VALUE' });
  }
  const columns = [...keyColumns(ds.columns), ...valueColumns(ds.columns), ...added, ...ds.columns.filter((c) => c.ns === 'HEADER')];
  // a Schema Registry format writes with the schema of the columns as they are now (a new version of
  // the subject, registered when the source first writes, as ksqlDB's serializer registers it), not
  // the one they had, which would drop the columns added; a source that writes with a schema id it
  // was given keeps it (ksqlDB's ALTER registers nothing: a subject that refuses the version fails
  // the writes, not the ALTER)
  const givenId = /\bVALUE_SCHEMA_ID\s*=/i.test(ds.statement);
  let valueFormat = ds.valueFormat;
  if (!givenId) {
    try { valueFormat = registerColumns(engine, ds.topic, { ...ds.valueFormat, schemaId: undefined }, valueColumns(columns), false, true); } catch (e) {
      if (!(e instanceof KsqlStatementError)) throw e;
    }
  }
  // the stored statement gains the ALTER on a line of its own, as ksqlDB's KsqlStream/KsqlTable.with keeps it
  const alter = stmt.text.trim().replace(/;?$/, ';');
  engine.metastore.put({ ...ds, columns, valueFormat, serdes: undefined, statement: `${ds.statement}\n${alter}` });
  return commandStatus(engine, stmt, `${ds.type.toLowerCase()}/${ds.name}/alter`, `${ds.type === 'STREAM' ? 'Stream' : 'Table'} ${ds.name} altered.`, { carriesPlan: true });
}

/**
 * The CREATE STREAM or TABLE as ksqlDB stores and shows it: canonical column types (a registry's
 * columns included), the WITH as given plus CLEANUP_POLICY and the key format it defaulted, sorted.
 */
function storedCreate(stmt: Extract<Statement, { kind: 'createSource' }>, kind: 'STREAM' | 'TABLE', columns: Column[], keyFormat: string): string {
  const props = propsByName(stmt.props);
  props.CLEANUP_POLICY ??= kind === 'TABLE' ? 'compact' : 'delete';
  if (props.FORMAT === undefined) props.KEY_FORMAT ??= keyFormat;
  // the columns in the order the statement declares them (ksqlDB's formatter writes its elements as
  // parsed), where it declares all of them; columns a schema gave come as the schema has them
  const declared = new Map((stmt.columns ?? []).map((c, i) => [c.name, i]));
  const ordered = columns.every((c) => declared.has(c.name)) ? [...columns].sort((a, b) => declared.get(a.name)! - declared.get(b.name)!) : columns;
  return formatCreateSource(stmt, ordered, props);
}
