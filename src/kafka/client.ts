import { Kafka, logLevel, type SASLOptions } from 'kafkajs';

/** How to reach a Kafka cluster: the local server's listener, or a real one with SASL/SSL. */
export interface KafkaConnection {
  /** Comma-separated `host:port` list. */
  bootstrapServers: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  clientId?: string;
}

/** A kafkajs client for a connection; kafkajs's own logging stays quiet (errors surface as exceptions). */
export function kafkaClient(c: KafkaConnection): Kafka {
  const brokers = c.bootstrapServers.split(',').map((s) => s.trim()).filter(Boolean);
  return new Kafka({
    clientId: c.clientId ?? 'ksql-migrate', brokers, ssl: c.ssl, logLevel: logLevel.NOTHING,
    sasl: c.sasl as SASLOptions | undefined,
    retry: { retries: 5, initialRetryTime: 100 },
  });
}

