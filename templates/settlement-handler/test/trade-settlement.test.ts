import { describe, expect, it } from 'vitest';
import { decodeSettlement, encodeSettlement, frameProtobuf, unframeProtobuf } from '../src/trade-settlement.js';
import type { TradeSettlement } from '../src/rules.js';

const settlement: TradeSettlement = { user: 'User_3', symbol: 'ZWZZT', amount: 12345, disposition: 'Completed', reason: 'Within same day limit', timestamp: 1_700_000_000_123 };

describe('TradeSettlement in the Schema Registry wire format', () => {
  it('frames as magic 0, a big-endian schema id, message index 0, then the Protobuf bytes', () => {
    const payload = encodeSettlement(settlement);
    const framed = frameProtobuf(0x01020304, payload);
    expect([...framed.subarray(0, 6)]).toEqual([0, 1, 2, 3, 4, 0]);
    expect(framed.subarray(6)).toEqual(Buffer.from(payload));
  });

  it('round-trips, the int64 timestamp included', () => {
    const { schemaId, payload } = unframeProtobuf(frameProtobuf(7, encodeSettlement(settlement)));
    expect(schemaId).toBe(7);
    expect(decodeSettlement(payload)).toEqual(settlement);
  });

  it('encodes the fields with the schema\'s numbers', () => {
    // field 1 (user), wire type 2: tag 0x0a, length 6, "User_3"
    expect([...encodeSettlement(settlement).subarray(0, 8)]).toEqual([0x0a, 6, ...Buffer.from('User_3')]);
  });

  it.each([
    { name: 'no magic byte', bytes: Buffer.from([1, 0, 0, 0, 1, 0]), message: 'magic byte 0' },
    { name: 'too short', bytes: Buffer.from([0, 0]), message: 'magic byte 0' },
    { name: 'another message index', bytes: Buffer.from([0, 0, 0, 0, 1, 2, 2]), message: 'message index 0' },
  ])('refuses $name', ({ bytes, message }) => {
    expect(() => unframeProtobuf(bytes)).toThrow(message);
  });
});
