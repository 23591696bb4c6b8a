import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import { kafkaOptions } from './kafka-options.js';
import { usageLine } from './errors.js';
import { commandNamed, withConfluentHint } from './confluent-names.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** Every command is registered here; each command's module is loaded only when it runs. */
export function buildProgram(): Command {
  const program = new Command('ksql-migrate')
    .description('Versioned migrations, query management and a local ksqlDB-compatible server for ksqlDB')
    .version(pkg.version, '-V, --version')
    // the tool's own -V/--version only before a command: `up --version 3` is the command's option
    .enablePositionalOptions()
    .exitOverride()
    // a mistyped option given as --name=value is echoed without its value, which may be a secret
    .configureOutput({ outputError: (text, write) => write(withConfluentHint(usageLine(text), commandNamed(process.argv))) });

  const common = (c: Command) => c
    .option('--config <file>', 'configuration file (env KSQL_MIGRATE_CONFIG; default ./ksql-migrate.yaml)', undefined)
    .option('--server <url>', 'ksqlDB server URL (env KSQL_MIGRATE_SERVER)')
    .option('--migrations-dir <dir>', 'migrations directory (env KSQL_MIGRATE_MIGRATIONS_DIR; default: migrations/ beside the config)')
    .option('--username <user>', 'Basic auth user or Confluent Cloud API key (env KSQL_MIGRATE_USERNAME)')
    .option('--password <secret>', 'Basic auth password or API secret (env KSQL_MIGRATE_PASSWORD)')
    .option('--json', 'print one JSON document')
    .option('-q, --quiet', 'print only errors')
    .option('-v, --verbose', 'show requests (secrets redacted)')
    .option('--embedded [dir]', 'run against a local server started in-process, data in DIR (default .ksql-migrate/)');
  const code = (n: number) => { process.exitCode = n; };

  program.command('init [dir]').description('create a project: ksql-migrate.yaml and migrations/')
    .action(async (dir?: string) => { const { runInit } = await import('./commands/init.js'); await runInit(dir); });

  common(program.command('create <description>').description('create the next migration file, holding a comment line with the description'))
    .option('--version <n>', 'use this version instead of the next one')
    .action(async (description: string, opts) => { const { runCreate } = await import('./commands/create.js'); await runCreate(description, opts); });

  common(program.command('up').description('apply pending migrations in order'))
    .option('--to <n>', 'apply up to and including version n')
    .option('--next', 'apply only the next pending version')
    .option('--version <n>', 'apply exactly version n')
    .option('--dry-run', 'show what would run, run nothing')
    .option('--allow-out-of-order', 'apply pending versions older than the latest applied one')
    .option('--ignore-missing', 'applied versions whose files were removed on purpose (squashed) are no problem')
    .option('-d, --define <name=value>', 'a variable for ${name} (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts) => { const { runUp } = await import('./commands/up.js'); code(await runUp(opts)); });

  common(program.command('down').description('undo the latest applied version (or all above --to) with its U<version>__*.sql undo file'))
    .option('--to <n>', 'undo every applied version above n (0: all of them)')
    .option('--dry-run', 'show what would be undone, run nothing')
    .option('-d, --define <name=value>', 'a variable for ${name} (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts) => { const { runDown } = await import('./commands/down.js'); code(await runDown(opts)); });

  common(program.command('status').description('applied and pending versions, from two pull queries'))
    .option('--exit-code', 'exit 1 when anything is pending, failed, changed or missing (unless --ignore-missing), or a file is one up would refuse')
    .option('--allow-out-of-order', 'pending files below the latest applied version are no problem (they go with up --allow-out-of-order)')
    .option('--ignore-missing', 'applied versions whose files were removed on purpose (squashed) are no problem')
    .action(async (opts) => { const { runStatus } = await import('./commands/status.js'); code(await runStatus(opts)); });

  common(program.command('validate').description('check applied versions against their files (exit 4 on drift)'))
    .option('--allow-out-of-order', 'pending files below the latest applied version are no problem (they go with up --allow-out-of-order)')
    .option('--ignore-missing', 'applied versions whose files were removed on purpose (squashed) are no problem')
    .action(async (opts) => { const { runValidate } = await import('./commands/validate.js'); code(await runValidate(opts)); });

  common(program.command('baseline').description('adopt a server whose objects exist: record every file up to --version as MIGRATED without running it'))
    .option('--version <n>', 'the last version that already exists on the server')
    .action(async (opts) => { const { runBaseline } = await import('./commands/baseline.js'); code(await runBaseline(opts)); });
  common(program.command('repair').description('release a stale lock; mark a failed or stuck version migrated or rolled back; accept edited applied files'))
    .option('--release-lock', 'free the lock of a run that died')
    .option('--version <n>', 'the version to mark (default: the current one) or whose checksum to update (default: all)')
    .option('--mark-migrated', 'the change is in place: record it as MIGRATED')
    .option('--mark-rolled-back', 'the change was undone: `up` applies it again')
    .option('--update-checksums', 'applied files edited harmlessly (comments, line endings): record their checksums as they are now')
    .option('-y, --yes', 'release a lock still within its lease without asking')
    .action(async (opts) => { const { runRepair } = await import('./commands/repair.js'); code(await runRepair(opts)); });

  const meta = program.command('metadata').description('the history stream and table');
  common(meta.command('init').description('create the history stream and table'))
    .action(async (opts) => { const { runMetadata } = await import('./commands/metadata.js'); code(await runMetadata('init', opts)); });
  common(meta.command('destroy').description('drop the history stream and table with their topics'))
    .option('-y, --yes', 'do not ask (without a terminal, required)')
    .action(async (opts) => { const { runMetadata } = await import('./commands/metadata.js'); code(await runMetadata('destroy', opts)); });

  const queries = common(program.command('queries').description('persistent queries: list (default), terminate, pause, resume, explain'))
    .option('--sink <name>', 'only queries writing into this source')
    .option('--source <name>', 'only queries reading this source')
    .option('--state <state>', 'only queries in this state (RUNNING, PAUSED, ERROR, UNRESPONSIVE, PENDING_SHUTDOWN)')
    .action(async (opts) => { const m = await import('./commands/manage.js'); code(await m.runQueries(opts)); });
  common(queries.command('list').description('list persistent queries'))
    .option('--sink <name>', 'only queries writing into this source').option('--source <name>', 'only queries reading this source').option('--state <state>', 'only queries in this state (RUNNING, PAUSED, ERROR, UNRESPONSIVE, PENDING_SHUTDOWN)')
    .action(async (_opts, cmd: Command) => { const m = await import('./commands/manage.js'); code(await m.runQueries(cmd.optsWithGlobals())); });
  common(queries.command('terminate [ids...]').description('stop queries, after showing them and asking'))
    .option('--sink <name>', 'the queries writing into this source').option('--all', 'every persistent query').option('-y, --yes', 'do not ask')
    .action(async (ids: string[], _opts, cmd: Command) => { const m = await import('./commands/manage.js'); code(await m.runQueryControl('terminate', ids, cmd.optsWithGlobals())); });
  for (const verb of ['pause', 'resume'] as const) {
    common(queries.command(`${verb} [ids...]`).description(`${verb} queries`))
      .option('--sink <name>', 'the queries writing into this source').option('--all', 'every persistent query').option('-y, --yes', 'do not ask')
      .action(async (ids: string[], _opts, cmd: Command) => { const m = await import('./commands/manage.js'); code(await m.runQueryControl(verb, ids, cmd.optsWithGlobals())); });
  }
  common(queries.command('explain <id>').description('sources, sinks, schema, state per host, errors, execution plan and topology of a query'))
    .action(async (id: string, _opts, cmd: Command) => { const m = await import('./commands/manage.js'); code(await m.runExplain(id, cmd.optsWithGlobals())); });

  common(program.command('describe <source>').description('columns, formats, topic and queries of a stream or table'))
    .option('--extended', 'add statistics and error counts')
    .action(async (name: string, opts) => { const m = await import('./commands/manage.js'); code(await m.runDescribe(name, opts)); });
  for (const what of ['streams', 'tables', 'topics'] as const) {
    common(program.command(what).description(`list ${what}`))
      .action(async (opts) => { const m = await import('./commands/manage.js'); code(await m.runList(what, opts)); });
  }
  common(program.command('drop <source>').description('drop a stream or table; --cascade drops what depends on it first'))
    .option('--delete-topic', 'delete the Kafka topic too')
    .option('--cascade', 'terminate and drop dependent queries and sources first')
    .option('-y, --yes', 'do not ask')
    .action(async (name: string, opts) => { const m = await import('./commands/manage.js'); code(await m.runDrop(name, opts)); });
  common(program.command('server-info').description('version, Kafka cluster id, service id and health'))
    .action(async (opts) => { const m = await import('./commands/manage.js'); code(await m.runServerInfo(opts)); });
  common(program.command('wait').description('wait until the server is healthy (a CI job that has just started ksqlDB); exit 3 if it is not within --timeout'))
    .option('--timeout <duration>', 'how long to wait at most (ms, s or m; a bare number is seconds)', '60s')
    .option('--interval <duration>', 'time between checks', '1s')
    .action(async (opts) => { const { runWait } = await import('./commands/wait.js'); code(await runWait(opts)); });

  kafkaOptions(program.command('datagen <kind>').description('write Datagen quickstart records (stocktrade or users) to Kafka'))
    .option('--count <n>', 'how many records', '100')
    .option('--rate <r/s>', 'records per second (default: as fast as Kafka takes them)')
    .option('--topic <name>', 'topic to write (default: stocktrade or users)')
    .option('--seed <n>', 'seed of the generator, to repeat a run exactly')
    .option('--partitions <n>', 'make the topic with N partitions if it does not exist (without it, a missing topic is an error)')
    .option('--json', 'print one JSON document')
    .option('-q, --quiet', 'print only errors')
    .action(async (kind: string, opts) => { const { runDatagen } = await import('./commands/datagen.js'); code(await runDatagen(kind, opts)); });

  const lambda = program.command('lambda').description('run a Lambda handler locally against Kafka, as an event source mapping does');
  const secretOpt = (c: Command) => c.option('--secret <name=file>', 'serve this secret to the handler from a local Secrets Manager (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[]);
  secretOpt(kafkaOptions(lambda.command('run').description('consume a topic in a group and invoke the handler with Kafka events')))
    .requiredOption('--handler <file[#export]>', 'the built handler module and export (default export name: handler)')
    .requiredOption('--topic <name>', 'the topic to consume')
    .option('--batch-size <n>', 'records per invocation at most', '100')
    .option('--batching-window <duration>', 'how long to gather records before invoking', '500ms')
    .addOption(new Option('--starting-position <where>', 'where a new group starts').choices(['trim-horizon', 'latest']).default('trim-horizon'))
    .option('--max-concurrency <n>', 'concurrent invocations at most (one per partition)', '10')
    .option('--group <id>', 'consumer group (default: derived from the handler\'s path and export)')
    .option('--timeout <duration>', 'the function\'s timeout, as Lambda\'s (at most 14 minutes behind Kafka); a batch that runs past it is retried', '840s')
    .addOption(new Option('--event-source <kind>', 'the event shape').choices(['self-managed', 'msk']).default('self-managed'))
    .option('--broker-timeout <duration>', 'how long Kafka may be out of reach (the consumer reconnecting) before the run ends with exit 1', '60s')
    .option('-q, --quiet', 'print only errors')
    .action(async (opts) => { const { runLambdaRun } = await import('./commands/lambda.js'); code(await runLambdaRun(opts)); });
  kafkaOptions(lambda.command('event').description('print a Kafka event built from the first records of a topic (for sam local invoke -e)'))
    .requiredOption('--topic <name>', 'the topic to read')
    .option('--count <n>', 'records in the event', '10')
    .addOption(new Option('--event-source <kind>', 'the event shape').choices(['self-managed', 'msk']).default('self-managed'))
    .action(async (opts) => { const { runLambdaEvent } = await import('./commands/lambda.js'); code(await runLambdaEvent(opts)); });
  secretOpt(lambda.command('invoke').description('invoke a handler once with an event from a file'))
    .requiredOption('--handler <file[#export]>', 'the built handler module and export')
    .requiredOption('--event <file>', 'the event, as JSON')
    .option('--timeout <duration>', 'the function\'s timeout, as Lambda\'s (e.g. 60s)', '900s')
    .action(async (opts) => { const { runLambdaInvoke } = await import('./commands/lambda.js'); code(await runLambdaInvoke(opts)); });

  const scaffold = program.command('scaffold').description('create a project from a template shipped with ksql-migrate');
  scaffold.command('ci').description('a CI workflow that validates migrations on pull requests and applies them on the default branch')
    .addOption(new Option('--provider <name>', 'the CI system').choices(['github']).default('github'))
    .option('--dir <dir>', 'the repository root to write into', '.')
    .option('--action <ref>', 'the ksql-migrate action the workflow uses', 'ksql-migrate/ksql-migrate@v1')
    .option('--branch <name>', 'the default branch, whose pushes apply migrations', 'main')
    .option('--working-directory <dir>', 'where ksql-migrate.yaml is, relative to the root', '.')
    .option('--force', 'overwrite an existing workflow of the same name')
    .action(async (opts) => { const { runScaffoldCi } = await import('./commands/scaffold.js'); await runScaffoldCi(opts); });
  scaffold.command('settlement-handler [dir]').description('a TypeScript AWS Lambda that settles user_trades into Protobuf TradeSettlement records (dir default ./settlement-handler)')
    .option('--name <name>', 'npm package, service and consumer group name (default: the directory name)')
    .option('--input-topic <topic>', 'topic the Lambda reads', 'user_trades')
    .option('--output-topic <topic>', 'topic the settlements go to', 'trade-settlements')
    .addOption(new Option('--event-source <kind>', 'the Kafka event source').choices(['self-managed', 'msk']).default('self-managed'))
    .addOption(new Option('--kafka-auth <kind>', 'how a self-managed Kafka event source mapping authenticates').choices(['BASIC_AUTH', 'SASL_SCRAM_256_AUTH', 'SASL_SCRAM_512_AUTH']))
    .option('--force', 'write into a directory that is not empty')
    .action(async (dir: string | undefined, opts) => { const { runScaffoldSettlementHandler } = await import('./commands/scaffold.js'); await runScaffoldSettlementHandler(dir, opts); });

  program.command('demo').description('the whole pipeline locally: server, Kafka, migrations, datagen, the settlement Lambda, live per-minute counts')
    .option('--trades <n>', 'trades to generate', '2000')
    .option('--rate <r/s>', 'trades per second', '400')
    .option('--duration <time>', 'generate trades for this long (e.g. 20s) instead of --trades')
    .option('--seed <n>', 'seed of the data generator')
    .option('--dir <dir>', 'where the settlement handler project is built (kept between runs)', '.ksql-migrate/demo')
    .option('--migrations-dir <dir>', 'the migrations to apply (default: from ksql-migrate.yaml, else migrations/)')
    .action(async (opts, cmd: Command) => { const { runDemo } = await import('./commands/demo.js'); code(await runDemo({ ...opts, tradesGiven: cmd.getOptionValueSource('trades') === 'cli' })); });

  program.command('server')
    .description('Run the local ksqlDB-compatible server')
    .option('--port <port>', 'port to listen on', '8088')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'keep the command log and topics in this directory (default: in memory)')
    .option('--journal-compact-bytes <bytes>', "with --data-dir: a journal larger than this is rewritten as what it holds now, if that is smaller: at start-up, and while running each time it doubles what the last rewrite left (default: 67108864; -1: never)")
    .option('--basic-auth <user:pass>', 'require HTTP Basic authentication (env KSQL_MIGRATE_SERVER_BASIC_AUTH)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'private key for --tls-cert (PEM)')
    .addOption(new Option('--auto-offset-reset <where>', 'default for ksql.streams.auto.offset.reset').choices(['earliest', 'latest']).default('latest'))
    .option('--kafka-port <port>', 'serve the Kafka protocol on this port (0 picks a free one; default 9092, skipped with a warning when taken)')
    .option('--no-kafka', 'do not serve the Kafka protocol')
    .option('--kafka-sasl-plain <user:pass>', 'require SASL/PLAIN with these credentials from Kafka clients (env KSQL_MIGRATE_SERVER_KAFKA_SASL_PLAIN)')
    .option('--kafka-tls', 'serve the Kafka protocol over TLS with --tls-cert and --tls-key (security.protocol SSL, or SASL_SSL with --kafka-sasl-plain)')
    .option('--log-retention-bytes <bytes>', "bytes kept per topic partition before the oldest records are deleted, as a broker's log.retention.bytes (default: -1, keep all)")
    .option('--connections-max-idle-ms <ms>', "close a Kafka connection idle this long, as a broker's connections.max.idle.ms (default: 600000)")
    .option('--schema-registry-port <port>', 'serve the Schema Registry REST API on this port (0 picks a free one; default 8081, skipped with a warning when taken)')
    .option('--no-schema-registry', 'do not serve the Schema Registry')
    .option('--no-stop-with-parent', 'keep running when the process that started it exits (by default a script\'s background server stops with the script, also under nohup or setsid)')
    .action(async (opts) => { const { runServer } = await import('./commands/server.js'); await runServer(opts); });

  return program;
}
