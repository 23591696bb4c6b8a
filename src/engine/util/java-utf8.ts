/**
 * Text as Java's String.getBytes(UTF_8) encodes it: a surrogate without its pair is '?' (Java's
 * encoder replaces what it cannot encode), where Node writes U+FFFD's three bytes.
 */
export function javaUtf8(s: string): Buffer {
  return Buffer.from(isWellFormed(s) ? s : s.replace(LONE_SURROGATES, '?'), 'utf8');
}

/** Whether a string has no lone surrogate (its UTF-8 bytes read back as the same string). */
export const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Surrogates without their pair. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
