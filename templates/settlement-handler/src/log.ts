import { Logger } from '@aws-lambda-powertools/logger';

/** The part of a logger the handler uses; Powertools' Logger fits it, and so does a test's. */
export interface LogPort {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** Structured JSON logs; level from POWERTOOLS_LOG_LEVEL (default INFO). */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'settlement-handler' });
}
