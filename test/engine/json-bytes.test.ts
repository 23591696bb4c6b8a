import { describe, expect, it } from 'vitest';
import { valueSerde } from '../../src/engine/serde/formats.js';
import { T } from '../../src/engine/sql/types.js';

describe('JSON BYTES', () => {
  const serde = valueSerde({ format: 'JSON' }, [{ name: 'B', type: T.BYTES, ns: 'VALUE' }]);
  const read = (text: string) => serde.deserialize(Buffer.from(text));
  it('read from base64 text, padded, as Jackson reads binary values; other text fails the record instead of becoming bytes', () => {
    expect(read('{"B":"QUI="}')).toEqual([Buffer.from('AB')]);
    expect(read('{"B":null}')).toEqual([null]);
    for (const bad of ['not base64!', 'QUJ', 'QU I=']) expect(() => read(JSON.stringify({ B: bad })), bad).toThrow();
  });
});
