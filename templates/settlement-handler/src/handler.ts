import type { SelfManagedKafkaHandler } from 'aws-lambda';
import { createAwsSettlement } from './aws.js';

// Module scope: one configuration read, one producer and one schema id per container, reused by
// every invocation that container serves.
const { logger, settleBatch } = createAwsSettlement('self-managed');

/** Lambda entry point for a SelfManagedKafka event source (Confluent Cloud, your own brokers). */
export const handler: SelfManagedKafkaHandler = async (event, context) => {
  logger.addContext(context);
  await settleBatch(event);
};
