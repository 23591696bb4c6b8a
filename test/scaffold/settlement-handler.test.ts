import { describe, expect, it } from 'vitest';
import { readTemplate, templateDir } from '../../src/scaffold/files.js';
import { fillPlaceholders, setPackageName, type ProjectFile } from '../../src/scaffold/render.js';
import { renderSettlementHandler, type SettlementHandlerOptions } from '../../src/scaffold/settlement-handler.js';

const template = await readTemplate(templateDir('settlement-handler'));
const options: SettlementHandlerOptions = { name: 'acme-settlement', inputTopic: 'acme_trades', outputTopic: 'acme-settlements', eventSource: 'self-managed' };
const text = (files: ProjectFile[], path: string) => files.find((f) => f.path === path)?.content.toString('utf8');

describe('renderSettlementHandler', () => {
  it('fills every placeholder and leaves none behind', () => {
    const files = renderSettlementHandler(template, options);
    for (const f of files) expect(f.content.toString('utf8'), f.path).not.toMatch(/\{\{\s*\w+\s*\}\}/);
    expect(text(files, 'template.yaml')).toContain('Topics: ["acme_trades"]');
    expect(text(files, 'template.yaml')).toContain('ConsumerGroupId: "acme-settlement"');
    expect(text(files, 'template.yaml')).toContain('Type: SelfManagedKafka');
    // the mapping authenticates with a literal kind (SAM refuses a parameter there): SASL/PLAIN unless --kafka-auth says SCRAM
    expect(text(files, 'template.yaml')).toMatch(/SourceAccessConfigurations:\n(\s+#.*\n)*\s+- Type: BASIC_AUTH\n/);
    expect(text(files, 'template.yaml')).not.toContain('!Ref KafkaAuth');
    expect(text(renderSettlementHandler(template, { ...options, kafkaAuth: 'SASL_SCRAM_512_AUTH' }), 'template.yaml')).toContain('- Type: SASL_SCRAM_512_AUTH');
    expect(() => renderSettlementHandler(template, { ...options, kafkaAuth: 'NONE' as never })).toThrow("--kafka-auth: expected BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH, got 'NONE'");
    // MSK's SASL/SCRAM is SCRAM-SHA-512 only
    expect(() => renderSettlementHandler(template, { ...options, eventSource: 'msk', kafkaAuth: 'BASIC_AUTH' })).toThrow('--kafka-auth: the MSK template authenticates with SASL_SCRAM_512_AUTH');
    expect(text(renderSettlementHandler(template, { ...options, eventSource: 'msk', kafkaAuth: 'SASL_SCRAM_512_AUTH' }), 'template.yaml')).toContain('SASL_SCRAM_512_AUTH');
    expect(JSON.parse(text(files, 'secret.example.json')!).outputTopic).toBe('acme-settlements');
    // the producer signs in with the mechanism the mapping uses (the secret names it)
    const mechanism = (o: Partial<typeof options>) => JSON.parse(text(renderSettlementHandler(template, { ...options, ...o }), 'secret.example.json')!).saslMechanism;
    expect([mechanism({}), mechanism({ kafkaAuth: 'SASL_SCRAM_256_AUTH' }), mechanism({ kafkaAuth: 'SASL_SCRAM_512_AUTH' }), mechanism({ eventSource: 'msk' })]).toEqual(['plain', 'scram-sha-256', 'scram-sha-512', 'scram-sha-512']);
    expect(text(files, 'README.md')).toMatch(/^# acme-settlement\n/);
    // the example points at the brokers of its kind: an MSK cluster's SASL/SCRAM listeners (9096), else Confluent Cloud's (9092)
    const bootstrap = (o: Partial<typeof options>) => JSON.parse(text(renderSettlementHandler(template, { ...options, ...o }), 'secret.example.json')!).bootstrapServers as string;
    expect([bootstrap({}).split(',').map((b) => b.split(':').pop()), bootstrap({ eventSource: 'msk' }).split(',').map((b) => b.split(':').pop())]).toEqual([['9092'], ['9096', '9096']]);
    // the local run the README gives names the secret the handler reads, and serves it
    expect(text(files, 'README.md')).toContain('`SETTLEMENT_CONFIG_SECRET=acme-settlement-config ksql-migrate lambda run --handler dist/handler.mjs --event-source self-managed --topic acme_trades --secret acme-settlement-config=secret.json`');
  });

  it('names the package and its lockfile', () => {
    const files = renderSettlementHandler(template, options);
    expect(JSON.parse(text(files, 'package.json')!).name).toBe('acme-settlement');
    const lock = JSON.parse(text(files, 'package-lock.json')!);
    expect([lock.name, lock.packages[''].name]).toEqual(['acme-settlement', 'acme-settlement']);
  });

  it('copies the code as it is, renames gitignore and leaves out the template notes', () => {
    const files = renderSettlementHandler(template, options);
    const paths = files.map((f) => f.path);
    expect(paths).toContain('.gitignore');
    expect(paths).not.toContain('gitignore');
    expect(paths).not.toContain('TEMPLATE.md');
    expect(paths).not.toContain('template.msk.yaml');
    expect(paths.filter((p) => p.includes('node_modules') || p.startsWith('dist/'))).toEqual([]);
    for (const path of ['src/handler.ts', 'src/rules.ts', 'test/rules.test.ts', 'tsconfig.json']) {
      expect(text(files, path), path).toBe(template.find((f) => f.path === path)?.content.toString('utf8'));
    }
  });

  it('writes the MSK SAM template as template.yaml for --event-source msk', () => {
    const files = renderSettlementHandler(template, { ...options, eventSource: 'msk' });
    const sam = text(files, 'template.yaml')!;
    expect(sam).toContain('Type: MSK');
    expect(sam).toContain('Handler: msk-handler.handler');
    expect(sam).toContain('SASL_SCRAM_512_AUTH');
    expect(sam).toContain('Runtime: nodejs22.x');
    expect(files.filter((f) => f.path.startsWith('template')).map((f) => f.path)).toEqual(['template.yaml']);
  });

  it('the README tells each variant its own secret name, bundle and event shape', () => {
    const readme = (o: Partial<typeof options>) => text(renderSettlementHandler(template, { ...options, ...o }), 'README.md')!;
    const msk = readme({ eventSource: 'msk' }), plain = readme({});
    expect(msk).toContain(`create-secret --name AmazonMSK_${options.name}-config `);
    expect(msk).toContain(`lambda run --handler dist/msk-handler.mjs --event-source msk --topic ${options.inputTopic}`);
    expect(msk).toContain('authenticates with `SASL_SCRAM_512_AUTH`');
    expect(plain).toContain(`create-secret --name ${options.name}-config `);
    expect(plain).toContain(`lambda run --handler dist/handler.mjs --event-source self-managed --topic ${options.inputTopic}`);
    // the runtime the SAM templates declare
    expect(plain).toContain('(TypeScript, Node.js 22)');
  });

  it.each([
    { name: 'an invalid package name', over: { name: 'Acme Settlement' }, message: "--name: 'Acme Settlement' is not a valid npm package name" },
    { name: 'an invalid input topic', over: { inputTopic: 'user trades' }, message: "--input-topic: 'user trades' is not a valid Kafka topic name" },
    { name: 'an invalid output topic', over: { outputTopic: '' }, message: "--output-topic: '' is not a valid Kafka topic name" },
    { name: 'an unknown event source', over: { eventSource: 'kinesis' as never }, message: "--event-source: expected self-managed or msk, got 'kinesis'" },
    { name: 'the input topic as the output topic', over: { inputTopic: 't1', outputTopic: 't1' }, message: "--output-topic: 't1' is the input topic too; the function would read its own settlements" },
    { name: 'a name Lambda refuses as a consumer group id', over: { name: 'a~b' }, message: "--name: 'a~b' is not a consumer group id Lambda takes" },
    { name: 'names too long for a function description', over: { name: 'n'.repeat(150), inputTopic: 'i'.repeat(60), outputTopic: 'o'.repeat(60) }, message: 'make a function description of 276 characters; Lambda allows 256' },
  ])('refuses $name', ({ over, message }) => {
    expect(() => renderSettlementHandler(template, { ...options, ...over })).toThrow(message);
  });
});

describe('fillPlaceholders and setPackageName', () => {
  it('refuse an unknown placeholder, naming the file', () => {
    expect(() => fillPlaceholders('a {{nmae}} b', { name: 'x' }, 'README.md')).toThrow('README.md: unknown placeholder {{nmae}} (known: name)');
    expect(fillPlaceholders('{{ name }}/{{name}}', { name: 'x' }, 'f')).toBe('x/x');
  });

  it('keep the rest of package.json as it was', () => {
    expect(setPackageName('{"name":"a","version":"1.0.0","private":true}', 'b')).toBe('{\n  "name": "b",\n  "version": "1.0.0",\n  "private": true\n}\n');
  });
});
