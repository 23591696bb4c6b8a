import { toLong } from '../util/long.js';
import { decodeBase64 } from '../serde/base64.js';
import { T } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { D, I, S, B, fixed } from './registry.js';
import { javaUtf8 } from '../util/java-utf8.js';

/** BYTES conversions and text encodings. */
export function registerBytesFunctions(): void {
  fixed('TO_BYTES', 'CONVERSIONS', [S, S], T.BYTES, (s: string, enc: string) => textToBytes(s, enc, true));
  // FROM_BYTES prints hex in upper case (ENCODE in lower case), as ksqlDB does
  fixed('FROM_BYTES', 'CONVERSIONS', [T.BYTES, S], S, (b: Buffer, enc: string) => bytesToText(b, enc, true));
  fixed('ENCODE', 'STRING', [S, S, S], S, (s: string, from: string, to: string) => {
    // (ksqlDB's encoders are the twelve pairs of different encodings: hex to hex is none)
    if (from.toLowerCase() === to.toLowerCase()) throw new EvalError(ENCODINGS);
    const b = textToBytes(s, from, false);
    return b === null ? null : bytesToText(b, to, false);
  });
  for (const [name, size, ret, read] of [
    ['INT_FROM_BYTES', 4, I, (b: Buffer, le: boolean) => (le ? b.readInt32LE() : b.readInt32BE())],
    ['BIGINT_FROM_BYTES', 8, B, (b: Buffer, le: boolean) => toLong(le ? b.readBigInt64LE() : b.readBigInt64BE())],
    ['DOUBLE_FROM_BYTES', 8, D, (b: Buffer, le: boolean) => (le ? b.readDoubleLE() : b.readDoubleBE())],
  ] as const) {
    fixed(name, 'CONVERSIONS', [T.BYTES], ret, (b: Buffer) => fromBytes(name, b, size, 'BIG_ENDIAN', read));
    fixed(name, 'CONVERSIONS', [T.BYTES, S], ret, (b: Buffer, order: string) => fromBytes(name, b, size, order, read));
  }
}

const ENCODINGS = 'Supported input and output encodings are: hex, utf8, ascii and base64';

function fromBytes(name: string, b: Buffer, size: number, order: string, read: (b: Buffer, le: boolean) => number | bigint): number | bigint {
  if (b.length !== size) throw new EvalError(`Number of bytes must be equal to ${size}, but found ${b.length}`);
  const o = order.toUpperCase();
  if (o !== 'BIG_ENDIAN' && o !== 'LITTLE_ENDIAN') throw new EvalError(`${name}: byte order must be BIG_ENDIAN or LITTLE_ENDIAN`);
  return read(b, o === 'LITTLE_ENDIAN');
}

/**
 * Text in an encoding to bytes; NULL where the text is not valid in it (ENCODE) or an error
 * (TO_BYTES, `strict`). Hex may carry a 0x prefix (odd length padded) or be written X'..'.
 */
function textToBytes(s: string, enc: string, strict: boolean): Buffer | null {
  switch (enc.toLowerCase()) {
    case 'hex': {
      const hex = hexDigits(s);
      if (hex === null) { if (strict) throw new EvalError(`Failed to decode hex string: ${s}`); return null; }
      return Buffer.from(hex, 'hex');
    }
    case 'utf8': return javaUtf8(s);
    // characters outside US-ASCII become '?', as Java's encoder replaces them
    case 'ascii': return Buffer.from([...s].map((c) => (c.codePointAt(0)! < 128 ? c.codePointAt(0)! : 0x3f)));
    // java.util.Base64's basic decoder: its alphabet only, the last unit unpadded or padded whole
    // (Node's decoder passes over what it does not know, so 'a-b_' would be bytes)
    case 'base64': {
      const bytes = decodeBase64(s, 'optional');
      if (!bytes) { if (strict) throw new EvalError(`Failed to decode base64 string: ${s}`); return null; }
      return bytes;
    }
    default: throw new EvalError(ENCODINGS);
  }
}

function hexDigits(s: string): string | null {
  let hex = s;
  const quoted = /^[xX]'(.*)'$/.exec(s);
  if (quoted) hex = quoted[1]!;
  else if (s.startsWith('0x')) { hex = s.slice(2); if (hex.length % 2 === 1) hex = `0${hex}`; }
  return /^([0-9a-fA-F]{2})*$/.test(hex) ? hex : null;
}

function bytesToText(b: Buffer, enc: string, upperHex: boolean): string {
  switch (enc.toLowerCase()) {
    case 'hex': { const h = b.toString('hex'); return upperHex ? h.toUpperCase() : h; }
    case 'utf8': return b.toString('utf8');
    // bytes outside US-ASCII decode to U+FFFD
    case 'ascii': return [...b].map((x) => (x < 128 ? String.fromCharCode(x) : '\ufffd')).join('');
    case 'base64': return b.toString('base64');
    default: throw new EvalError(ENCODINGS);
  }
}
