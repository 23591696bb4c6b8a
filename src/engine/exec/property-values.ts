import { own } from '../util/own.js';

/**
 * The properties a request or SET may name, resolved as ksqlDB resolves them: a `ksql.` name (not
 * `ksql.streams.`) is ksqlDB's own; any other, with `ksql.streams.` taken off, is a Kafka Streams,
 * consumer or producer config (the consumer and producer ones also behind Kafka Streams' `consumer.`,
 * `main.consumer.`, `restore.consumer.`, `global.consumer.` and `producer.` prefixes). A name none of
 * those configs has is refused, where ksqlDB refuses it. ksqlDB's own names are not checked here
 * (the local server does not know every one a release has): a misspelt `ksql.` name passes.
 *
 * The config names are Kafka's (3.x clients and Streams), with the type ConfigDef parses each value
 * as, where that is not a string, class or list: i INT, l LONG, s SHORT, d DOUBLE, b BOOLEAN.
 */
const COMMON = 'bootstrap.servers client.dns.lookup client.id metadata.max.age.ms:l send.buffer.bytes:i receive.buffer.bytes:i '
  + 'reconnect.backoff.ms:l reconnect.backoff.max.ms:l retry.backoff.ms:l retry.backoff.max.ms:l metrics.sample.window.ms:l '
  + 'metrics.num.samples:i metrics.recording.level metric.reporters auto.include.jmx.reporter:b request.timeout.ms:i '
  + 'connections.max.idle.ms:l socket.connection.setup.timeout.ms:l socket.connection.setup.timeout.max.ms:l '
  + 'security.protocol security.providers interceptor.classes enable.metrics.push:b';
const CONSUMER = `${COMMON} group.id group.instance.id session.timeout.ms:i heartbeat.interval.ms:i partition.assignment.strategy `
  + 'enable.auto.commit:b auto.commit.interval.ms:i client.rack max.partition.fetch.bytes:i fetch.min.bytes:i fetch.max.bytes:i '
  + 'fetch.max.wait.ms:i auto.offset.reset check.crcs:b key.deserializer value.deserializer default.api.timeout.ms:i '
  + 'max.poll.records:i max.poll.interval.ms:i exclude.internal.topics:b internal.leave.group.on.close:b '
  + 'internal.throw.on.fetch.stable.offset.unsupported:b isolation.level allow.auto.create.topics:b group.protocol group.remote.assignor';
const PRODUCER = `${COMMON} buffer.memory:l retries:i acks compression.type compression.gzip.level:i compression.lz4.level:i `
  + 'compression.zstd.level:i batch.size:i partitioner.adaptive.partitioning.enable:b partitioner.availability.timeout.ms:l '
  + 'partitioner.ignore.keys:b linger.ms:l delivery.timeout.ms:i max.request.size:i max.block.ms:l metadata.max.idle.ms:l '
  + 'max.in.flight.requests.per.connection:i key.serializer value.serializer partitioner.class enable.idempotence:b '
  + 'transaction.timeout.ms:i transactional.id';
const STREAMS = `${COMMON} application.id application.server acceptable.recovery.lag:l buffered.records.per.partition:i `
  + 'built.in.metrics.version cache.max.bytes.buffering:l statestore.cache.max.bytes:l commit.interval.ms:l '
  + 'default.deserialization.exception.handler deserialization.exception.handler default.key.serde default.value.serde '
  + 'default.list.key.serde.inner default.list.key.serde.type default.list.value.serde.inner default.list.value.serde.type '
  + 'default.windowed.key.serde.inner default.windowed.value.serde.inner default.production.exception.handler '
  + 'production.exception.handler processing.exception.handler default.timestamp.extractor default.dsl.store '
  + 'dsl.store.suppliers.class default.client.supplier max.task.idle.ms:l max.warmup.replicas:i num.standby.replicas:i '
  + 'num.stream.threads:i poll.ms:l probing.rebalance.interval.ms:l processing.guarantee rack.aware.assignment.strategy '
  + 'rack.aware.assignment.tags rack.aware.assignment.non_overlap_cost:i rack.aware.assignment.traffic_cost:i replication.factor:i '
  + 'repartition.purge.interval.ms:l retries:i rocksdb.config.setter state.cleanup.delay.ms:l state.dir task.timeout.ms:l '
  + 'task.assignor.class topology.optimization upgrade.from window.size.ms:l windowed.inner.class.serde '
  + 'window.store.change.log.additional.retention.ms:l log.summary.interval.ms:l';

type Kind = 'i' | 'l' | 's' | 'd' | 'b' | '';
const table = (names: string): Map<string, Kind> => new Map(names.split(' ').map((n) => { const [name, kind] = n.split(':'); return [name!, (kind ?? '') as Kind]; }));
const CONSUMER_NAMES = table(CONSUMER), PRODUCER_NAMES = table(PRODUCER), STREAMS_NAMES = table(STREAMS);
const CLIENT_PREFIXES: [string, Map<string, Kind>][] = [
  ['consumer.', CONSUMER_NAMES], ['main.consumer.', CONSUMER_NAMES], ['restore.consumer.', CONSUMER_NAMES], ['global.consumer.', CONSUMER_NAMES], ['producer.', PRODUCER_NAMES],
];

/** A client config of the security families (ssl.*, sasl.*), which every client config has. */
const SECURITY = /^(ssl|sasl)\.[a-z0-9._-]+$/;

/** ksqlDB's own BOOLEAN configs that this engine reads (KsqlConfig parses them as ConfigDef does). */
const KSQL_BOOLEANS = new Set(['ksql.new.query.planner.enabled', 'ksql.query.pull.limit.clause.enabled', 'ksql.query.pull.range.scan.enabled',
  'ksql.query.pull.stream.enabled', 'ksql.query.pull.table.scan.enabled', 'ksql.query.push.v2.enabled', 'ksql.variable.substitution.enable',
  'ksql.timestamp.throw.on.invalid']);

/** How a config's value is parsed, or undefined for a name ksqlDB does not recognise. */
function resolve(name: string): { key: string; kind: Kind } | undefined {
  if (name.startsWith('ksql.') && !name.startsWith('ksql.streams.')) return { key: name, kind: KSQL_BOOLEANS.has(name) ? 'b' : '' };
  const key = name.startsWith('ksql.streams.') ? name.slice('ksql.streams.'.length) : name;
  for (const [prefix, names] of CLIENT_PREFIXES) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const kind = names.get(rest);
    if (kind !== undefined) return { key: rest, kind };
    if (SECURITY.test(rest)) return { key: rest, kind: '' };
  }
  for (const names of [STREAMS_NAMES, CONSUMER_NAMES, PRODUCER_NAMES]) {
    const kind = names.get(key);
    if (kind !== undefined) return { key, kind };
  }
  return SECURITY.test(key) ? { key, kind: '' } : undefined;
}

/** What ConfigDef says of a value that does not parse as its type. */
const TYPE_PROBLEM: Record<Exclude<Kind, ''>, (v: string) => string | undefined> = {
  i: (v) => (/^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31 - (Number(v) < 0 ? 0 : 1) ? undefined : 'Not a number of type INT'),
  s: (v) => (/^[+-]?\d+$/.test(v) && Number(v) >= -32768 && Number(v) <= 32767 ? undefined : 'Not a number of type SHORT'),
  l: (v) => (/^[+-]?\d+$/.test(v) && (BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n) ? undefined : 'Not a number of type LONG'),
  d: (v) => (v.trim() !== '' && !Number.isNaN(Number(v)) ? undefined : 'Not a number of type DOUBLE'),
  b: (v) => (/^(true|false)$/i.test(v.trim()) ? undefined : 'Expected value to be either true or false'),
};

/**
 * Values a property may take, where Kafka's config checks them: a bad one is refused with Kafka's
 * ConfigException wording, instead of being kept and read later as something else.
 */
const CHOICES: Record<string, readonly string[]> = {
  'auto.offset.reset': ['latest', 'earliest', 'none'],
  'processing.guarantee': ['at_least_once', 'exactly_once', 'exactly_once_beta', 'exactly_once_v2'],
};

/** Why `name` cannot be set: not a property ksqlDB recognises (`unknown`), or a value its config does not take. */
export interface PropertyProblem { unknown: boolean; message: string }

/** Whether ksqlDB recognises `name` as a property (see resolve). */
export const isKnownProperty = (name: string): boolean => resolve(name) !== undefined;

/** The problem with setting `name` to `value`, or undefined when it may be set. */
export function propertyProblem(name: string, value: unknown): PropertyProblem | undefined {
  const config = resolve(name);
  if (!config) return { unknown: true, message: `Not recognizable as ksql, streams, consumer, or producer property: '${name}'` };
  const text = String(value);
  const bad = config.kind === '' ? undefined : TYPE_PROBLEM[config.kind](text.trim());
  if (bad) return { unknown: false, message: `Invalid value ${text} for configuration ${config.key}: ${bad}` };
  const choices = own(CHOICES, config.key);
  if (!choices || choices.includes(text)) return undefined;
  return { unknown: false, message: `Invalid value ${text} for configuration ${config.key}: String must be one of: ${choices.join(', ')}` };
}
