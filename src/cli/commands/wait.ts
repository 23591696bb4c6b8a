import { asCliError, loadConfigOrExit, makeClient, secretRedactor, type GlobalOptions } from '../context.js';
import { AuthError } from '../../client/client.js';
import { CliError, durationFlag, EXIT } from '../errors.js';

export interface WaitOptions extends GlobalOptions { timeout?: string; interval?: string }

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;

/**
 * Waits until the server's /healthcheck says it is healthy (a CI job that has just started ksqlDB),
 * asking every --interval for at most --timeout. Exit 0 once healthy; 3 when the time is up, the
 * credentials are refused (checked on /info once healthy), or TLS fails (which waiting does not mend). The reason it is not ready is
 * printed on stderr each time it changes.
 */
export async function runWait(opts: WaitOptions): Promise<number> {
  const timeoutMs = durationFlag('--timeout', opts.timeout ?? '60s', 's');
  const intervalMs = durationFlag('--interval', opts.interval ?? '1s', 's');
  if (intervalMs < 100) throw new CliError(`--interval: at least 100ms, got '${opts.interval}'`, EXIT.USAGE);
  if (opts.embedded !== undefined && opts.embedded !== false) {
    throw new CliError('wait: --embedded starts its own server in this process, so there is nothing to wait for; name the server with --server', EXIT.USAGE);
  }
  const config = loadConfigOrExit(opts);
  const redact = secretRedactor(config, opts);
  // (connecting, a TLS handshake included, is held to the wait too, as to the server's timeout)
  const client = makeClient(config, opts, { connectTimeoutMs: Math.max(100, Math.min(timeoutMs, config.server.timeoutMs, 10_000)) });
  const started = Date.now();
  let attempts = 0, last = '';
  try {
    for (;;) {
      attempts++;
      const left = timeoutMs - (Date.now() - started);
      // (the last look, at the deadline, still gets a second to answer)
      const probe = await client.probeHealth(Math.min(config.server.timeoutMs, Math.max(left, 1000)));
      if (probe.healthy) break;
      const waitedMs = Date.now() - started;
      if (probe.lasting) throw new CliError(redact(probe.reason), EXIT.UNREACHABLE, { document: { healthy: false, waitedMs, attempts } });
      if (probe.reason !== last && !opts.quiet && !opts.json) process.stderr.write(`waiting: ${redact(probe.reason)}\n`);
      last = probe.reason;
      if (waitedMs >= timeoutMs) {
        throw new CliError(`not healthy within ${seconds(timeoutMs)} (${attempts} ${attempts === 1 ? 'check' : 'checks'}): ${redact(last)}`, EXIT.UNREACHABLE, { document: { healthy: false, waitedMs, attempts } });
      }
      await new Promise((r) => setTimeout(r, Math.min(intervalMs, timeoutMs - waitedMs)));
    }
    // the version, once healthy: /healthcheck asks for no credentials, /info does, so credentials it
    // refuses are found here rather than by the command after (a server that answers /healthcheck
    // but not /info in the time left, at least a second, is still healthy)
    const left = Math.max(1000, timeoutMs - (Date.now() - started));
    const version = await client.info({ timeoutMs: left, attempts: 1 }).then((i) => i.version, (e: unknown) => { if (e instanceof AuthError) throw e; return undefined; });
    const waitedMs = Date.now() - started;
    if (opts.json) process.stdout.write(`${JSON.stringify({ healthy: true, url: client.url, version: version ?? null, waitedMs, attempts }, null, 2)}\n`);
    else if (!opts.quiet) process.stdout.write(`ksqlDB at ${client.url} is healthy${version ? ` (version ${version})` : ''}, after ${seconds(waitedMs)} and ${attempts} ${attempts === 1 ? 'check' : 'checks'}\n`);
    return EXIT.OK;
  } catch (e) {
    throw asCliError(e);
  } finally {
    await client.close();
  }
}
