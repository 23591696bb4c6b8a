import type { MSKHandler } from 'aws-lambda';
import { createAwsSettlement } from './aws.js';

// Module scope: one configuration read, one producer and one schema id per container. MSK's
// SASL/SCRAM secrets hold the same username/password keys; the mechanism defaults to SCRAM-SHA-512.
const { logger, settleBatch } = createAwsSettlement('msk');

/** Lambda entry point for an Amazon MSK event source (`aws:kafka`). */
export const handler: MSKHandler = async (event, context) => {
  logger.addContext(context);
  await settleBatch(event);
};
