import { readConfigFromSecretsManager } from './config.js';
import { createLogger } from './log.js';
import { createKafkaProducer, type EventSourceKind } from './producer.js';
import { httpSchemaRegistry } from './schema-registry.js';
import { createSettlementHandler } from './settlement-handler.js';
import { inspectionRandom } from './random.js';

/**
 * The real ports: Secrets Manager through Powertools, kafkajs, the Schema Registry over fetch,
 * Math.random (seeded when INSPECTION_SEED is set) and Date.now. Call it at module scope, so each container gets one of each.
 */
export function createAwsSettlement(kind: EventSourceKind) {
  const logger = createLogger();
  const settleBatch = createSettlementHandler({
    readConfig: (fresh) => readConfigFromSecretsManager(undefined, fresh),
    createProducer: (config) => createKafkaProducer(config, kind, logger),
    createSchemaRegistry: (config) => httpSchemaRegistry({ url: config.schemaRegistryUrl, username: config.schemaRegistryUsername, password: config.schemaRegistryPassword }),
    random: inspectionRandom(),
    now: Date.now,
    logger,
  });
  return { logger, settleBatch };
}
