/**
 * Kafka's topic-level configs: their types and broker defaults (Kafka's LogConfig), so CreateTopics
 * refuses what a broker refuses and DescribeConfigs answers what a broker answers. The local logs
 * act on cleanup.policy, retention.bytes and max.message.bytes; the others are kept and reported.
 */
type ConfigType = 'LONG' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'LIST';

const MAX_LONG = '9223372036854775807';

export const TOPIC_CONFIGS: Record<string, { type: ConfigType; default: string; valid?: string[]; min?: number; max?: number }> = {
  'cleanup.policy': { type: 'LIST', default: 'delete', valid: ['compact', 'delete'] },
  'compression.type': { type: 'STRING', default: 'producer', valid: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  'delete.retention.ms': { type: 'LONG', default: '86400000', min: 0 },
  'file.delete.delay.ms': { type: 'LONG', default: '60000', min: 0 },
  'flush.messages': { type: 'LONG', default: MAX_LONG },
  'flush.ms': { type: 'LONG', default: MAX_LONG, min: 0 },
  'follower.replication.throttled.replicas': { type: 'LIST', default: '' },
  'index.interval.bytes': { type: 'INT', default: '4096', min: 0 },
  'leader.replication.throttled.replicas': { type: 'LIST', default: '' },
  'local.retention.bytes': { type: 'LONG', default: '-2', min: -2 },
  'local.retention.ms': { type: 'LONG', default: '-2', min: -2 },
  'max.compaction.lag.ms': { type: 'LONG', default: MAX_LONG, min: 1 },
  'max.message.bytes': { type: 'INT', default: '1048588', min: 0 },
  'message.downconversion.enable': { type: 'BOOLEAN', default: 'true' },
  'message.timestamp.after.max.ms': { type: 'LONG', default: MAX_LONG, min: 0 },
  'message.timestamp.before.max.ms': { type: 'LONG', default: MAX_LONG, min: 0 },
  'message.timestamp.difference.max.ms': { type: 'LONG', default: MAX_LONG, min: 0 },
  'message.timestamp.type': { type: 'STRING', default: 'CreateTime', valid: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': { type: 'DOUBLE', default: '0.5', min: 0, max: 1 },
  'min.compaction.lag.ms': { type: 'LONG', default: '0', min: 0 },
  'min.insync.replicas': { type: 'INT', default: '1', min: 1 },
  'preallocate': { type: 'BOOLEAN', default: 'false' },
  'remote.storage.enable': { type: 'BOOLEAN', default: 'false' },
  'retention.bytes': { type: 'LONG', default: '-1' },
  'retention.ms': { type: 'LONG', default: '604800000', min: -1 },
  'segment.bytes': { type: 'INT', default: '1073741824', min: 14 },
  'segment.index.bytes': { type: 'INT', default: '10485760', min: 4 },
  'segment.jitter.ms': { type: 'LONG', default: '0', min: 0 },
  'segment.ms': { type: 'LONG', default: '604800000', min: 1 },
  'unclean.leader.election.enable': { type: 'BOOLEAN', default: 'false' },
};

const inRange = (v: string, bits: 32 | 64) => {
  if (!/^-?\d+$/.test(v)) return false;
  const n = BigInt(v), max = (1n << BigInt(bits - 1)) - 1n;
  return n <= max && n >= -max - 1n;
};

/** Why a broker refuses this topic config (Kafka's ConfigDef wording), or undefined. */
export function topicConfigProblem(name: string, value: string | null): string | undefined {
  // (an own property only: 'constructor' or 'toString' is no topic config)
  const def = Object.hasOwn(TOPIC_CONFIGS, name) ? TOPIC_CONFIGS[name] : undefined;
  if (!def) return `Unknown topic config name: ${name}`;
  const v = (value ?? '').trim();
  const bad = (why: string) => `Invalid value ${value} for configuration ${name}: ${why}`;
  // the bounds a broker's ConfigDef checks, in its words
  const bounds = (n: number) => (def.min !== undefined && n < def.min ? bad(`Value must be at least ${def.min}`) : def.max !== undefined && n > def.max ? bad(`Value must be no more than ${def.max}`) : undefined);
  switch (def.type) {
    case 'LONG': return inRange(v, 64) ? bounds(Number(v)) : bad('Not a number of type LONG');
    case 'INT': return inRange(v, 32) ? bounds(Number(v)) : bad('Not a number of type INT');
    case 'DOUBLE': return v !== '' && Number.isFinite(Number(v)) ? bounds(Number(v)) : bad('Not a number of type DOUBLE');
    case 'BOOLEAN': return /^(true|false)$/i.test(v) ? undefined : bad('Expected value to be either true or false');
    case 'STRING': return !def.valid || def.valid.includes(v) ? undefined : bad(`String must be one of: ${def.valid.join(', ')}`);
    case 'LIST': {
      const items = v.split(',').map((x) => x.trim()).filter(Boolean);
      if (def.valid && (!items.length || items.some((x) => !def.valid!.includes(x)))) return bad(`String must be one of: ${def.valid.join(', ')}`);
      return undefined;
    }
  }
}

/**
 * A topic config's broker synonym (Kafka's LogConfig / ServerTopicConfigSynonyms): the broker config a
 * topic takes it from, and, where Kafka's default is set on another of its synonyms (in hours rather
 * than ms), that one and its default. DescribeConfigs lists them when asked for synonyms.
 */
export const TOPIC_SYNONYMS: Record<string, { broker: string; defaultName?: string; defaultValue?: string }> = {
  'cleanup.policy': { broker: 'log.cleanup.policy' }, 'compression.type': { broker: 'compression.type' },
  'delete.retention.ms': { broker: 'log.cleaner.delete.retention.ms' }, 'file.delete.delay.ms': { broker: 'log.segment.delete.delay.ms' },
  'flush.messages': { broker: 'log.flush.interval.messages' },
  'flush.ms': { broker: 'log.flush.interval.ms', defaultName: 'log.flush.scheduler.interval.ms' },
  'index.interval.bytes': { broker: 'log.index.interval.bytes' }, 'local.retention.bytes': { broker: 'log.local.retention.bytes' },
  'local.retention.ms': { broker: 'log.local.retention.ms' }, 'max.compaction.lag.ms': { broker: 'log.cleaner.max.compaction.lag.ms' },
  'max.message.bytes': { broker: 'message.max.bytes' }, 'message.downconversion.enable': { broker: 'log.message.downconversion.enable' },
  'message.timestamp.after.max.ms': { broker: 'log.message.timestamp.after.max.ms' }, 'message.timestamp.before.max.ms': { broker: 'log.message.timestamp.before.max.ms' },
  'message.timestamp.difference.max.ms': { broker: 'log.message.timestamp.difference.max.ms' }, 'message.timestamp.type': { broker: 'log.message.timestamp.type' },
  'min.cleanable.dirty.ratio': { broker: 'log.cleaner.min.cleanable.ratio' }, 'min.compaction.lag.ms': { broker: 'log.cleaner.min.compaction.lag.ms' },
  'min.insync.replicas': { broker: 'min.insync.replicas' }, preallocate: { broker: 'log.preallocate' },
  'retention.bytes': { broker: 'log.retention.bytes' },
  'retention.ms': { broker: 'log.retention.ms', defaultName: 'log.retention.hours', defaultValue: '168' },
  'segment.bytes': { broker: 'log.segment.bytes' }, 'segment.index.bytes': { broker: 'log.index.size.max.bytes' },
  'segment.jitter.ms': { broker: 'log.roll.jitter.ms', defaultName: 'log.roll.jitter.hours', defaultValue: '0' },
  'segment.ms': { broker: 'log.roll.ms', defaultName: 'log.roll.hours', defaultValue: '168' },
  'unclean.leader.election.enable': { broker: 'unclean.leader.election.enable' },
};

/** Kafka's defaults of the broker configs this one-node cluster sets itself (static): DescribeConfigs' synonyms name them. */
export const STATIC_BROKER_DEFAULTS: Record<string, string> = {
  'num.partitions': '1', 'log.retention.bytes': '-1', 'broker.id': '-1', 'group.initial.rebalance.delay.ms': '3000',
  'offsets.topic.replication.factor': '3', 'transaction.state.log.min.isr': '2', 'transaction.state.log.replication.factor': '3',
};

/**
 * Broker configs DescribeConfigs reports beside the ones the server sets (num.partitions, the log
 * defaults): Kafka's defaults (KafkaConfig), with what a one-node cluster sets for itself (its
 * internal topics' replication factors of 1) marked as static broker configs.
 */
export const BROKER_CONFIGS: Record<string, { value: string; static?: boolean }> = {
  'auto.leader.rebalance.enable': { value: 'true' },
  'compression.type': { value: 'producer' },
  'default.replication.factor': { value: '1' },
  'delete.topic.enable': { value: 'true' },
  // (the coordinator starts a new group's first rebalance at once)
  'group.initial.rebalance.delay.ms': { value: '0', static: true },
  'group.max.session.timeout.ms': { value: '1800000' },
  'group.min.session.timeout.ms': { value: '6000' },
  'log.cleaner.enable': { value: 'true' },
  'log.flush.interval.messages': { value: MAX_LONG },
  'log.message.timestamp.type': { value: 'CreateTime' },
  'log.retention.check.interval.ms': { value: '300000' },
  'log.retention.hours': { value: '168' },
  'log.roll.hours': { value: '168' },
  'log.segment.bytes': { value: '1073741824' },
  'min.insync.replicas': { value: '1' },
  'num.io.threads': { value: '8' },
  'num.network.threads': { value: '3' },
  'offsets.retention.minutes': { value: '10080' },
  'offsets.topic.replication.factor': { value: '1', static: true },
  'replica.fetch.max.bytes': { value: '1048576' },
  'socket.request.max.bytes': { value: '104857600' },
  'transaction.max.timeout.ms': { value: '900000' },
  'transaction.state.log.min.isr': { value: '1', static: true },
  'transaction.state.log.replication.factor': { value: '1', static: true },
  'transactional.id.expiration.ms': { value: '604800000' },
  'unclean.leader.election.enable': { value: 'false' },
};
