import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/engine/serde/arena.js';

describe('records written into an arena', () => {
  it('are Buffers of their own bytes, which later records do not touch', () => {
    const arena = new Arena(16);
    const write = (text: string): Buffer => {
      const mem = arena.room(text.length);
      let p = arena.used;
      for (const c of Buffer.from(text)) mem[p++] = c;
      return arena.take(p);
    };
    const a = write('abc'), b = write('0123456789'), c = write('a record longer than the arena');
    for (const [bytes, text] of [[a, 'abc'], [b, '0123456789'], [c, 'a record longer than the arena']] as const) {
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect(bytes).toBeInstanceOf(Buffer);
      // (a Buffer like any other to what compares kinds: its constructor is Buffer)
      expect(bytes.constructor).toBe(Buffer);
      expect(bytes).toEqual(Buffer.from(text));
      expect(bytes.length).toBe(text.length);
      expect(bytes.toString('utf8')).toBe(text);
      expect(bytes.equals(Buffer.from(text))).toBe(true);
      expect(Buffer.compare(bytes, Buffer.from(text))).toBe(0);
      expect(bytes.subarray(1).toString()).toBe(text.slice(1));
      expect(bytes.toJSON()).toEqual(Buffer.from(text).toJSON());
      expect(Buffer.concat([bytes, Buffer.from('!')]).toString()).toBe(`${text}!`);
    }
    expect(a.readUInt16BE(0)).toBe(0x6162);
    // (the second filled the first memory: the third, too long for what was left, has memory of its own)
    expect(c.buffer).not.toBe(a.buffer);
  });
});
