import { fillPlaceholders, isPackageName, ScaffoldError, setPackageName, type ProjectFile } from './render.js';
import { isTopicName } from '../kafka/topic-name.js';

export type EventSource = 'self-managed' | 'msk';
export const EVENT_SOURCES: readonly EventSource[] = ['self-managed', 'msk'];

export interface SettlementHandlerOptions {
  /** The package name, also the function's service name and consumer group. */
  name: string;
  /** Default: `user_trades`. */
  inputTopic: string;
  /** Default: `trade-settlements`. */
  outputTopic: string;
  /** Default: `self-managed`. */
  eventSource: EventSource;
  /** How a self-managed Kafka event source mapping authenticates; default `BASIC_AUTH` (SASL/PLAIN). */
  kafkaAuth?: KafkaAuth;
}

export type KafkaAuth = 'BASIC_AUTH' | 'SASL_SCRAM_256_AUTH' | 'SASL_SCRAM_512_AUTH';
export const KAFKA_AUTHS: readonly KafkaAuth[] = ['BASIC_AUTH', 'SASL_SCRAM_256_AUTH', 'SASL_SCRAM_512_AUTH'];
/** The SASL mechanism (kafkajs's name, as the secret's saslMechanism) of each way a mapping authenticates. */
const SASL_MECHANISMS: Record<KafkaAuth, string> = { BASIC_AUTH: 'plain', SASL_SCRAM_256_AUTH: 'scram-sha-256', SASL_SCRAM_512_AUTH: 'scram-sha-512' };

export const SETTLEMENT_HANDLER_DEFAULTS = { inputTopic: 'user_trades', outputTopic: 'trade-settlements', eventSource: 'self-managed' } as const;

// The scheme, documented in templates/settlement-handler/TEMPLATE.md: placeholders only in files
// the template's own tools never compile or test, so the committed template passes its checks.
const WITH_PLACEHOLDERS = new Set(['README.md', 'template.yaml', 'template.msk.yaml', 'secret.example.json']);
const PACKAGE_FILES = new Set(['package.json', 'package-lock.json']);
const LEFT_OUT = new Set(['TEMPLATE.md']);
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

/** Checks the options; messages name the flag at fault. */
export function checkSettlementHandlerOptions(options: SettlementHandlerOptions): void {
  if (!isPackageName(options.name)) throw new ScaffoldError(`--name: '${options.name}' is not a valid npm package name (lower case letters, digits, - . _ ~)`);
  if (!isTopicName(options.inputTopic)) throw new ScaffoldError(`--input-topic: '${options.inputTopic}' is not a valid Kafka topic name`);
  if (!isTopicName(options.outputTopic)) throw new ScaffoldError(`--output-topic: '${options.outputTopic}' is not a valid Kafka topic name`);
  if (!EVENT_SOURCES.includes(options.eventSource)) throw new ScaffoldError(`--event-source: expected ${EVENT_SOURCES.join(' or ')}, got '${options.eventSource}'`);
  if (options.kafkaAuth !== undefined && !KAFKA_AUTHS.includes(options.kafkaAuth)) throw new ScaffoldError(`--kafka-auth: expected ${KAFKA_AUTHS.join(', ')}, got '${options.kafkaAuth}'`);
  if (options.kafkaAuth !== undefined && options.kafkaAuth !== 'SASL_SCRAM_512_AUTH' && options.eventSource === 'msk') throw new ScaffoldError(`--kafka-auth: the MSK template authenticates with SASL_SCRAM_512_AUTH (MSK's SASL/SCRAM), not ${options.kafkaAuth}`);
  // the settlements would come back in as records that are no trades
  if (options.inputTopic === options.outputTopic) throw new ScaffoldError(`--output-topic: '${options.outputTopic}' is the input topic too; the function would read its own settlements`);
  // the name is the event source mapping's consumer group id, which Lambda limits to these characters
  if (!/^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/.test(options.name)) throw new ScaffoldError(`--name: '${options.name}' is not a consumer group id Lambda takes (at most 200 of letters, digits and - / * : _ + = . @)`);
  // and, with both topics, the function's description, which Lambda limits to 256 characters
  const description = `${options.name}: ${options.inputTopic} -> ${options.outputTopic}`;
  if (description.length > 256) throw new ScaffoldError(`--name, --input-topic and --output-topic together make a function description of ${description.length} characters; Lambda allows 256`);
}

/** The configuration secret's name: an MSK event source mapping reads only secrets named AmazonMSK_... */
export const settlementSecretName = (options: Pick<SettlementHandlerOptions, 'name' | 'eventSource'>): string => `${options.eventSource === 'msk' ? 'AmazonMSK_' : ''}${options.name}-config`;

/** Pure: the template's files in, the project's files out. */
export function renderSettlementHandler(template: readonly ProjectFile[], options: SettlementHandlerOptions): ProjectFile[] {
  checkSettlementHandlerOptions(options);
  const kafkaAuth = options.kafkaAuth ?? (options.eventSource === 'msk' ? 'SASL_SCRAM_512_AUTH' : 'BASIC_AUTH');
  // the producer signs in as the event source mapping does: the secret says with which mechanism
  const msk = options.eventSource === 'msk';
  const values = {
    name: options.name, inputTopic: options.inputTopic, outputTopic: options.outputTopic, eventSource: options.eventSource, kafkaAuth, saslMechanism: SASL_MECHANISMS[kafkaAuth],
    // an MSK mapping reads only secrets named AmazonMSK_...; each variant runs its own entry point
    secretName: settlementSecretName(options), handlerFile: msk ? 'dist/msk-handler.mjs' : 'dist/handler.mjs',
    // where the secret's example points the producer: an MSK cluster's SASL/SCRAM listeners are on 9096
    bootstrapExample: msk ? 'b-1.<cluster>.<id>.c2.kafka.us-east-1.amazonaws.com:9096,b-2.<cluster>.<id>.c2.kafka.us-east-1.amazonaws.com:9096' : 'pkc-xxxxx.us-east-1.aws.confluent.cloud:9092',
    userExample: msk ? '<SASL/SCRAM user of the cluster>' : '<Kafka API key or SASL user>',
    passwordExample: msk ? '<its SASL/SCRAM password>' : '<Kafka API secret or SASL password>',
  };
  const out: ProjectFile[] = [];
  for (const file of template) {
    const path = targetPath(file.path, options.eventSource);
    if (path === undefined) continue;
    let content = file.content;
    if (WITH_PLACEHOLDERS.has(file.path)) content = Buffer.from(fillPlaceholders(content.toString('utf8'), values, file.path));
    else if (PACKAGE_FILES.has(file.path)) content = Buffer.from(setPackageName(content.toString('utf8'), options.name));
    out.push({ path, content });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Where a template file goes, or undefined when it is left out. */
function targetPath(path: string, eventSource: EventSource): string | undefined {
  if (LEFT_OUT.has(path)) return undefined;
  // two SAM templates, one per event source; the chosen one becomes template.yaml
  if (path === 'template.yaml') return eventSource === 'self-managed' ? path : undefined;
  if (path === 'template.msk.yaml') return eventSource === 'msk' ? 'template.yaml' : undefined;
  return RENAMED[path] ?? path;
}
