import { isIPv6 } from 'node:net';
import { javaUtf8 } from '../util/java-utf8.js';
import { EvalError } from '../analysis/errors.js';
import { I, S, fixed } from './registry.js';

/** URL functions: parameter encoding and the parts of a URI, NULL where a part is absent or the URL is invalid. */
export function registerUrlFunctions(): void {
  fixed('URL_ENCODE_PARAM', 'URL', [S], S, encodeParam);
  fixed('URL_DECODE_PARAM', 'URL', [S], S, decodeParam);
  fixed('URL_EXTRACT_FRAGMENT', 'URL', [S], S, (u: string) => decoded(parseUri(u)?.fragment));
  fixed('URL_EXTRACT_HOST', 'URL', [S], S, (u: string) => parseUri(u)?.host ?? null);
  fixed('URL_EXTRACT_PATH', 'URL', [S], S, (u: string) => decoded(parseUri(u)?.path));
  fixed('URL_EXTRACT_PORT', 'URL', [S], I, (u: string) => parseUri(u)?.port ?? null);
  fixed('URL_EXTRACT_PROTOCOL', 'URL', [S], S, (u: string) => parseUri(u)?.scheme ?? null);
  fixed('URL_EXTRACT_QUERY', 'URL', [S], S, (u: string) => decoded(parseUri(u)?.query));
  fixed('URL_EXTRACT_PARAMETER', 'URL', [S, S], S, (u: string, name: string) => extractParameter(u, name));
}

export interface UriParts { scheme?: string; host?: string; port?: number; path?: string; query?: string; fragment?: string }

// RFC 3986 appendix B, the split java.net.URI makes too.
const URI_RE = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;
// Characters java.net.URI refuses anywhere (controls, spaces of any kind, and "<>\\^`{|}), and a %
// not followed by two hex digits; [ and ] are taken only around an IPv6 host, # only once.
const ILLEGAL = /[\p{Cc}"<>\\^`{|}\p{Zs}\p{Zl}\p{Zp}]|%(?![0-9a-fA-F]{2})/u;

/** The raw (still %-encoded) parts of a URI, or undefined when java.net.URI would reject it. */
export function parseUri(url: string): UriParts | undefined {
  const m = URI_RE.exec(url);
  if (!m || ILLEGAL.test(url)) return undefined;
  const [, scheme, authority, path, query, fragment] = m;
  if (fragment?.includes('#')) return undefined;
  if (scheme !== undefined && !/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(scheme)) return undefined;
  if (scheme !== undefined && !url.startsWith('/', scheme.length + 1)) {
    // an opaque URI (mailto:a@b.com?x): its scheme-specific part is no path or query; it must have one
    const ssp = url.slice(scheme.length + 1, fragment === undefined ? url.length : url.length - fragment.length - 1);
    return ssp === '' ? undefined : { scheme, fragment };
  }
  // (brackets in the authority only around an IPv6 host, which must be one (a %25 scope after it
  // aside), and none in the path; the query and the fragment take them, as an opaque URI does)
  const literal = authority === undefined ? undefined : /^(?:[^@[\]]*@)?\[([^\]]*)\](?::\d*)?$/.exec(authority)?.[1];
  if (/[[\]]/.test(path ?? '') || (authority !== undefined && literal === undefined && /[[\]]/.test(authority))) return undefined;
  if (literal !== undefined && !isIPv6(literal.replace(/%25.*$/, ''))) return undefined;
  const parts: UriParts = { scheme, path, query, fragment };
  if (authority !== undefined) {
    const hostPort = authority.slice(authority.indexOf('@') + 1);
    const hp = /^(\[[^\]]*\]|[^:@]*)(?::(\d*))?$/.exec(hostPort);
    // an authority whose host is no host name or address is registry-based to java.net.URI: it
    // has no host and no port (a Docker-style kafka_1, a non-ASCII name, h:8a, a@b@h)
    // (so is one whose port is beyond an int: Integer.parseInt fails it)
    if (hp && hp[1] && serverHost(hp[1]) && !(Number(hp[2] ?? 0) > 2147483647)) {
      parts.host = hp[1];
      if (hp[2]) parts.port = Number(hp[2]);
    }
  }
  return parts;
}

/** java.net.URI's server-based host: an IPv6 literal, an IPv4 address, or an RFC 2396 host name. */
function serverHost(host: string): boolean {
  if (host.startsWith('[')) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) && host.split('.').every((o) => Number(o) <= 255)) return true;
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (!labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l))) return false;
  // a name of several labels ends with one that starts with a letter
  return labels.length === 1 || /^[A-Za-z]/.test(labels[labels.length - 1]!);
}

/** A part as java.net.URI decodes it: %XX escapes as UTF-8 bytes, a sequence that is no UTF-8 as U+FFFD. */
function decoded(part: string | undefined): string | null {
  if (part === undefined) return null;
  if (!part.includes('%')) return part;
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    if (part[i] === '%' && /^[0-9a-fA-F]{2}$/.test(part.slice(i + 1, i + 3))) { bytes.push(parseInt(part.slice(i + 1, i + 3), 16)); i += 2; continue; }
    const cp = part.codePointAt(i)!;
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    if (cp > 0xffff) i++;
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * `name`'s value in the query: '' for a bare `name`, NULL when absent. As ksqlDB takes it: the query
 * as java.net.URI decodes it (%XX decoded, a + kept), split at each & and then at its first =, with
 * nothing decoded after (so an encoded %26 splits the query too).
 */
function extractParameter(url: string, name: string): string | null {
  const query = decoded(parseUri(url)?.query);
  if (query === null) return null;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? '' : pair.slice(eq + 1);
  }
  return null;
}

/** java.net.URLEncoder with UTF-8: letters, digits and `.-*_` stay, space becomes '+', the rest %XX. */
export function encodeParam(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9.\-*_]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of javaUtf8(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * java.net.URLDecoder with UTF-8: '+' is a space; a run of %XX escapes is bytes decoded as UTF-8, a
 * sequence that is no UTF-8 as U+FFFD (as new String(bytes, UTF_8) does); a bad escape fails the call.
 */
export function decodeParam(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '+') { out += ' '; i++; continue; }
    if (c !== '%') { out += c; i++; continue; }
    const bytes: number[] = [];
    while (i < s.length && s[i] === '%') {
      if (i + 2 >= s.length) throw new EvalError('URLDecoder: Incomplete trailing escape (%) pattern');
      // (Integer.parseInt of the two characters: a sign is taken, a negative value refused)
      const hex = s.slice(i + 1, i + 3);
      const bad = /^[+-]?[0-9a-fA-F]*/.exec(hex)![0].length;
      if (bad < 2 || !/[0-9a-fA-F]/.test(hex)) throw new EvalError(`URLDecoder: Illegal hex characters in escape (%) pattern - Error at index ${Math.min(bad, 1)} in: "${hex}"`);
      const v = parseInt(hex, 16);
      if (v < 0) throw new EvalError('URLDecoder: Illegal hex characters in escape (%) pattern - negative value');
      bytes.push(v);
      i += 3;
    }
    out += Buffer.from(bytes).toString('utf8');
  }
  return out;
}
