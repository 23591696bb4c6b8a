/**
 * Text as Java's String.getBytes(UTF_8) encodes it: a surrogate without its pair is '?' (Java's
 * encoder replaces what it cannot encode), where Node writes U+FFFD's three bytes.
 */
export function javaUtf8(s: string): Buffer {
  return Buffer.from(/[\ud800-\udfff]/.test(s) ? s.replace(LONE_SURROGATES, '?') : s, 'utf8');
}

/** A surrogate without its pair. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
