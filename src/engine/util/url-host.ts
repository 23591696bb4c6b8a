/**
 * The host to put in a URL for a listener bound to `host`: one bound to every interface (0.0.0.0,
 * ::) is reached by its loopback address, which a client can connect to; an IPv6 address goes in
 * brackets.
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
