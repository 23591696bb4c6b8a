import type { Command } from 'commander';
import type { KafkaConnection } from '../kafka/client.js';
import { CliError, EXIT } from './errors.js';

/** The flags every command that talks to Kafka takes. */
export function kafkaOptions(c: Command): Command {
  return c
    .option('--bootstrap-servers <list>', 'Kafka bootstrap servers host:port[,...] (env KSQL_MIGRATE_KAFKA_BOOTSTRAP; default localhost:9092)')
    .option('--ssl', 'connect with TLS')
    .option('--sasl-mechanism <name>', 'plain, scram-sha-256 or scram-sha-512 (default plain)')
    .option('--sasl-username <user>', 'SASL user or Confluent Cloud API key (env KSQL_MIGRATE_KAFKA_USERNAME)')
    .option('--sasl-password <secret>', 'SASL password or API secret (env KSQL_MIGRATE_KAFKA_PASSWORD)');
}

export interface KafkaFlags { bootstrapServers?: string; ssl?: boolean; saslMechanism?: string; saslUsername?: string; saslPassword?: string }

/** The connection from common flags and the KSQL_MIGRATE_KAFKA_* environment (so secrets need not be typed on a command line). */
export function connectionFromOptions(o: KafkaFlags): KafkaConnection {
  const username = o.saslUsername ?? process.env.KSQL_MIGRATE_KAFKA_USERNAME;
  const password = o.saslPassword ?? process.env.KSQL_MIGRATE_KAFKA_PASSWORD;
  const mechanism = (o.saslMechanism ?? 'plain').toLowerCase();
  if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) throw new CliError(`--sasl-mechanism: expected plain, scram-sha-256 or scram-sha-512, got '${o.saslMechanism}'`, EXIT.USAGE);
  if (!!username !== !!password) throw new CliError('--sasl-username and --sasl-password (or KSQL_MIGRATE_KAFKA_USERNAME/_PASSWORD) go together', EXIT.USAGE);
  const bootstrapServers = o.bootstrapServers ?? process.env.KSQL_MIGRATE_KAFKA_BOOTSTRAP ?? 'localhost:9092';
  // the error names where the list came from: the flag, or the environment variable
  const from = o.bootstrapServers !== undefined ? '--bootstrap-servers' : 'KSQL_MIGRATE_KAFKA_BOOTSTRAP';
  const brokers = bootstrapServers.split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    throw new CliError(`${from}: expected host:port[,host:port...], got '${bootstrapServers}'`, EXIT.USAGE);
  }
  const badPort = brokers.find((b) => { const port = Number(b.slice(b.lastIndexOf(':') + 1)); return port < 1 || port > 65535; });
  if (badPort) throw new CliError(`${from}: ${badPort} has no port number (1 to 65535)`, EXIT.USAGE);
  return {
    bootstrapServers,
    ssl: o.ssl,
    sasl: username ? { mechanism: mechanism as 'plain', username, password: password! } : undefined,
  };
}
