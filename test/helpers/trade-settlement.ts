import protobuf from 'protobufjs';

// the seed's TradeSettlement schema (seed-pipeline.md), as the template ships it
import { TRADE_SETTLEMENT_PROTO } from '../../templates/settlement-handler/src/trade-settlement.js';

export { TRADE_SETTLEMENT_PROTO };

const type = protobuf.parse(TRADE_SETTLEMENT_PROTO).root.lookupType('io.confluent.developer.proto.TradeSettlement');

/** A settlement as Confluent's Protobuf serializer writes it: magic 0, schema id, message index [0], payload. */
export function frameTradeSettlement(schemaId: number, settlement: Record<string, unknown>): Buffer {
  const head = Buffer.alloc(6);
  head.writeInt32BE(schemaId, 1);
  return Buffer.concat([head, type.encode(type.fromObject(settlement)).finish()]);
}

/** The inverse, for records read back from trade-settlements. */
export function readTradeSettlement(bytes: Buffer): Record<string, unknown> {
  return type.toObject(type.decode(bytes.subarray(6)), { longs: Number });
}
