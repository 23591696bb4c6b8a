import { startLocalServer } from '../../engine/rest/server.js';
import { CliError, EXIT } from '../errors.js';

interface ServerOptions { port: string; host: string; dataDir?: string; basicAuth?: string; tlsCert?: string; tlsKey?: string; autoOffsetReset: string; logRetentionBytes?: string; schemaRegistryPort: string }

export async function runServer(opts: ServerOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port: expected a port number, got '${opts.port}'`, EXIT.USAGE);
  if (opts.basicAuth !== undefined && !/^[^:]+:.+$/.test(opts.basicAuth)) throw new CliError('--basic-auth: expected USER:PASSWORD', EXIT.USAGE);
  if (!!opts.tlsCert !== !!opts.tlsKey) throw new CliError('--tls-cert and --tls-key must be given together', EXIT.USAGE);
  const retention = opts.logRetentionBytes === undefined ? -1 : Number(opts.logRetentionBytes);
  if (!Number.isInteger(retention) || (retention < 0 && retention !== -1)) throw new CliError(`--log-retention-bytes: expected a number of bytes or -1, got '${opts.logRetentionBytes}'`, EXIT.USAGE);
  const srPort = Number(opts.schemaRegistryPort);
  if (!Number.isInteger(srPort) || srPort < 0 || srPort > 65535) throw new CliError(`--schema-registry-port: expected a port number, got '${opts.schemaRegistryPort}'`, EXIT.USAGE);
  let server;
  try {
    server = await startLocalServer({
      port, host: opts.host, dataDir: opts.dataDir, basicAuth: opts.basicAuth, tlsCert: opts.tlsCert, tlsKey: opts.tlsKey,
      properties: { 'ksql.streams.auto.offset.reset': opts.autoOffsetReset }, logRetentionBytes: retention, schemaRegistryPort: srPort,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      const sr = (err as { listener?: string }).listener === 'schema-registry';
      throw new CliError(sr ? `--schema-registry-port: ${opts.host}:${srPort} is already in use` : `--port: ${opts.host}:${port} is already in use`, EXIT.USAGE);
    }
    if (err.code === 'ENOENT' && (opts.tlsCert || opts.tlsKey)) throw new CliError(`--tls-cert/--tls-key: cannot read ${err.path}`, EXIT.USAGE);
    throw e;
  }
  process.stdout.write(`ksql-migrate local server listening on ${server.url}${opts.dataDir ? ` (data in ${opts.dataDir})` : ' (in memory)'}\n`);
  if (server.schemaRegistryUrl) process.stdout.write(`Schema Registry listening on ${server.schemaRegistryUrl}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => { if (stopping) return; stopping = true; clearInterval(orphanCheck); void server.close().then(resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // a server started by a script stops with it: when the parent exits we are re-parented
    const parent = process.ppid;
    const orphanCheck = setInterval(() => { if (parent !== 1 && process.ppid !== parent) stop(); }, 100);
    orphanCheck.unref();
  });
}
