import { Command, Option } from 'commander';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** Every command is registered here; each command's module is loaded only when it runs. */
export function buildProgram(): Command {
  const program = new Command('ksql-migrate')
    .description('Versioned migrations, query management and a local ksqlDB-compatible server for ksqlDB')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride();

  program.command('server')
    .description('Run the local ksqlDB-compatible server')
    .option('--port <port>', 'port to listen on', '8088')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'keep the command log and topics in this directory (default: in memory)')
    .option('--basic-auth <user:pass>', 'require HTTP Basic authentication')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'private key for --tls-cert (PEM)')
    .addOption(new Option('--auto-offset-reset <where>', 'default for ksql.streams.auto.offset.reset').choices(['earliest', 'latest']).default('latest'))
    .action(async (opts) => { const { runServer } = await import('./commands/server.js'); await runServer(opts); });

  return program;
}
