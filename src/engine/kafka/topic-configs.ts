/**
 * Kafka's topic-level configs: their types and broker defaults (Kafka's LogConfig), so CreateTopics
 * refuses what a broker refuses and DescribeConfigs answers what a broker answers. The local logs
 * act on cleanup.policy, retention.bytes and max.message.bytes; the others are kept and reported.
 */
type ConfigType = 'LONG' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'LIST';

const MAX_LONG = '9223372036854775807';

export const TOPIC_CONFIGS: Record<string, { type: ConfigType; default: string; valid?: string[] }> = {
  'cleanup.policy': { type: 'LIST', default: 'delete', valid: ['compact', 'delete'] },
  'compression.type': { type: 'STRING', default: 'producer', valid: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  'delete.retention.ms': { type: 'LONG', default: '86400000' },
  'file.delete.delay.ms': { type: 'LONG', default: '60000' },
  'flush.messages': { type: 'LONG', default: MAX_LONG },
  'flush.ms': { type: 'LONG', default: MAX_LONG },
  'follower.replication.throttled.replicas': { type: 'LIST', default: '' },
  'index.interval.bytes': { type: 'INT', default: '4096' },
  'leader.replication.throttled.replicas': { type: 'LIST', default: '' },
  'local.retention.bytes': { type: 'LONG', default: '-2' },
  'local.retention.ms': { type: 'LONG', default: '-2' },
  'max.compaction.lag.ms': { type: 'LONG', default: MAX_LONG },
  'max.message.bytes': { type: 'INT', default: '1048588' },
  'message.downconversion.enable': { type: 'BOOLEAN', default: 'true' },
  'message.timestamp.after.max.ms': { type: 'LONG', default: MAX_LONG },
  'message.timestamp.before.max.ms': { type: 'LONG', default: MAX_LONG },
  'message.timestamp.difference.max.ms': { type: 'LONG', default: MAX_LONG },
  'message.timestamp.type': { type: 'STRING', default: 'CreateTime', valid: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': { type: 'DOUBLE', default: '0.5' },
  'min.compaction.lag.ms': { type: 'LONG', default: '0' },
  'min.insync.replicas': { type: 'INT', default: '1' },
  'preallocate': { type: 'BOOLEAN', default: 'false' },
  'remote.storage.enable': { type: 'BOOLEAN', default: 'false' },
  'retention.bytes': { type: 'LONG', default: '-1' },
  'retention.ms': { type: 'LONG', default: '604800000' },
  'segment.bytes': { type: 'INT', default: '1073741824' },
  'segment.index.bytes': { type: 'INT', default: '10485760' },
  'segment.jitter.ms': { type: 'LONG', default: '0' },
  'segment.ms': { type: 'LONG', default: '604800000' },
  'unclean.leader.election.enable': { type: 'BOOLEAN', default: 'false' },
};

const inRange = (v: string, bits: 32 | 64) => {
  if (!/^-?\d+$/.test(v)) return false;
  const n = BigInt(v), max = (1n << BigInt(bits - 1)) - 1n;
  return n <= max && n >= -max - 1n;
};

/** Why a broker refuses this topic config (Kafka's ConfigDef wording), or undefined. */
export function topicConfigProblem(name: string, value: string | null): string | undefined {
  const def = TOPIC_CONFIGS[name];
  if (!def) return `Unknown topic config name: ${name}`;
  const v = (value ?? '').trim();
  const bad = (why: string) => `Invalid value ${value} for configuration ${name}: ${why}`;
  switch (def.type) {
    case 'LONG': return inRange(v, 64) ? undefined : bad('Not a number of type LONG');
    case 'INT': return inRange(v, 32) ? undefined : bad('Not a number of type INT');
    case 'DOUBLE': return v !== '' && Number.isFinite(Number(v)) ? undefined : bad('Not a number of type DOUBLE');
    case 'BOOLEAN': return /^(true|false)$/i.test(v) ? undefined : bad('Expected value to be either true or false');
    case 'STRING': return !def.valid || def.valid.includes(v) ? undefined : bad(`String must be one of: ${def.valid.join(', ')}`);
    case 'LIST': {
      const items = v.split(',').map((x) => x.trim()).filter(Boolean);
      if (def.valid && (!items.length || items.some((x) => !def.valid!.includes(x)))) return bad(`String must be one of: ${def.valid.join(', ')}`);
      return undefined;
    }
  }
}
