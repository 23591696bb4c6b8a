/**
 * BYTES as text: base64 in its standard alphabet, as ksqlDB's readers take it. Jackson (JSON) and
 * INSERT VALUES need whole 4-character units, padded; java.util.Base64 (DELIMITED) takes the last
 * unit unpadded too. Node's own decoder skips what it does not know, so 'not base64!' would be
 * bytes; here it is undefined.
 */
export function decodeBase64(text: string, padding: 'required' | 'optional' = 'required'): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const ok = text.length % 4 === 0 || (padding === 'optional' && !text.includes('=') && text.length % 4 !== 1);
  return ok ? Buffer.from(text, 'base64') : undefined;
}
