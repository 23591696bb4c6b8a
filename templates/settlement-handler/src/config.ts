import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';

/**
 * The JSON held by the Secrets Manager secret. `username`/`password` are the keys Lambda's Kafka
 * event source mapping reads for BASIC_AUTH (and SASL_SCRAM_*_AUTH on MSK), so one secret serves
 * both the mapping and this producer. See secret.example.json.
 */
export const settlementConfigSchema = z.object({
  /** Comma-separated host:port list (no scheme). */
  bootstrapServers: z.string().min(1).refine((list) => { const entries = list.split(',').map((b) => b.trim()).filter(Boolean); return entries.length > 0 && entries.every(isHostPort); },
    'a comma-separated list of host:port, without a scheme (e.g. pkc-xxxxx.us-east-1.aws.confluent.cloud:9092); kafkajs takes no IPv6 address'),
  /** SASL user (a Confluent Cloud API key). Without it the producer connects without SASL. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Default: `plain` for self-managed Kafka, `scram-sha-512` for MSK. */
  saslMechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  /** TLS to the brokers. Default: true. */
  ssl: z.boolean().default(true),
  // credentials go in schemaRegistryUsername/Password: in the URL they would reach error messages
  schemaRegistryUrl: z.url().refine((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u), 'put the key and secret in schemaRegistryUsername and schemaRegistryPassword, not in the URL'),
  schemaRegistryUsername: z.string().min(1).optional(),
  schemaRegistryPassword: z.string().min(1).optional(),
  /** Where settlements go. */
  outputTopic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a Kafka topic name'),
}).refine((c) => (c.username === undefined) === (c.password === undefined), { message: 'username and password go together', path: ['password'] })
  .refine((c) => (c.schemaRegistryUsername === undefined) === (c.schemaRegistryPassword === undefined), { message: 'schemaRegistryUsername and schemaRegistryPassword go together', path: ['schemaRegistryPassword'] });

export type SettlementConfig = z.infer<typeof settlementConfigSchema>;

/**
 * A broker address kafkajs can use: a host name (underscores too, as Docker Compose names have) or an
 * IPv4 address, then a port from 1 to 65535. kafkajs splits an address at its colons, so an IPv6 one
 * (in brackets) is none it can reach.
 */
function isHostPort(text: string): boolean {
  const m = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?:(\d{1,5})$/.exec(text);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
}

/** The environment variable naming the secret; the configuration itself never lives in the environment. */
export const SECRET_NAME_VARIABLE = 'SETTLEMENT_CONFIG_SECRET';

/** Validates the secret's JSON. Messages name the fields at fault, never their values. */
export function parseConfig(raw: unknown): SettlementConfig {
  const parsed = settlementConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`the configuration secret is invalid: ${problems}`);
  }
  return parsed.data;
}

/**
 * Reads the configuration from Secrets Manager. Powertools caches the value (maxAge), and the
 * handler asks once per container, so a warm invocation makes no Secrets Manager call. `fresh`
 * skips that cache: after a failure the secret is read again, so a fixed or rotated one takes effect.
 */
export async function readConfigFromSecretsManager(secretName = process.env[SECRET_NAME_VARIABLE], fresh = false): Promise<SettlementConfig> {
  if (!secretName) throw new Error(`${SECRET_NAME_VARIABLE} is not set: it names the Secrets Manager secret that holds the configuration`);
  const raw = await getSecret(secretName, { maxAge: 900, forceFetch: fresh });
  if (raw === undefined) throw new Error(`the secret ${secretName} has no value`);
  let value: unknown;
  // parsed here, not by Powertools' json transform, whose error quotes the text: the secret's
  // content must never reach a log, even when it is broken
  try { value = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)); } catch {
    throw new Error(`the secret ${secretName} is not valid JSON`);
  }
  return parseConfig(value);
}
