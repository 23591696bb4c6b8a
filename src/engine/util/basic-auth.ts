import { timingSafeEqual } from 'node:crypto';

/** The Authorization header value that `user:password` (as --basic-auth gives it) sends. */
export const basicAuthHeader = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;

/** Whether a request's Authorization header carries the expected Basic credentials (compared in constant time). */
export function credentialsMatch(header: string | undefined, expected: string): boolean {
  const m = /^basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const got = Buffer.from(`Basic ${m[1]}`), want = Buffer.from(expected);
  return got.length === want.length && timingSafeEqual(got, want);
}
