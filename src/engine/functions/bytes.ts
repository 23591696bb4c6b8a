import { T } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { S, fixed } from './registry.js';

/** BYTES conversions and text encodings. */
export function registerBytesFunctions(): void {
  fixed('TO_BYTES', 'BYTES', [S, S], T.BYTES, (s: string, enc: string) => encodeBytes(s, enc));
  fixed('FROM_BYTES', 'BYTES', [T.BYTES, S], S, (b: Buffer, enc: string) => decodeBytes(b, enc));
  fixed('ENCODE', 'STRING', [S, S, S], S, (s: string, from: string, to: string) => decodeBytes(encodeBytes(s, from), to));
}

function encodeBytes(s: string, enc: string): Buffer {
  switch (enc.toLowerCase()) {
    case 'hex': if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new EvalError(`invalid hex: ${s}`); return Buffer.from(s, 'hex');
    case 'utf8': return Buffer.from(s, 'utf8');
    case 'ascii': return Buffer.from(s, 'latin1');
    case 'base64': return Buffer.from(s, 'base64');
    default: throw new EvalError(`Supported input and output encodings are: hex, utf8, ascii and base64`);
  }
}
function decodeBytes(b: Buffer, enc: string): string {
  switch (enc.toLowerCase()) {
    case 'hex': return b.toString('hex');
    case 'utf8': return b.toString('utf8');
    case 'ascii': return b.toString('latin1');
    case 'base64': return b.toString('base64');
    default: throw new EvalError(`Supported input and output encodings are: hex, utf8, ascii and base64`);
  }
}
