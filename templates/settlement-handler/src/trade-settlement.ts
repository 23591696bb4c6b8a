import protobuf from 'protobufjs';
import type { TradeSettlement } from './rules.js';

/** The schema registered under `<outputTopic>-value`; ksqlDB's TRADE_SETTLEMENT stream reads it. */
export const TRADE_SETTLEMENT_PROTO = `syntax = "proto3";
package io.confluent.developer.proto;

message TradeSettlement {
  string user = 1;
  string symbol = 2;
  double amount = 3;
  string disposition = 4;
  string reason = 5;
  int64 timestamp = 6;
}
`;

const messageType = protobuf.parse(TRADE_SETTLEMENT_PROTO).root.lookupType('io.confluent.developer.proto.TradeSettlement');

/** The Protobuf bytes of one settlement, without framing. */
export function encodeSettlement(settlement: TradeSettlement): Uint8Array {
  return messageType.encode(messageType.fromObject(settlement)).finish();
}

export function decodeSettlement(bytes: Uint8Array): TradeSettlement {
  return messageType.toObject(messageType.decode(bytes), { longs: Number }) as TradeSettlement;
}

/**
 * Confluent's wire format for Protobuf: magic byte 0, the schema id as a big-endian int32, the
 * message-index list, then the payload. TradeSettlement is the first (and only) message of its
 * schema, whose index list [0] is written as the single byte 0. Confluent's deserializers (and
 * ksqlDB) reject a Protobuf value without that list, which is why this is framed here and not by
 * @kafkajs/confluent-schema-registry. Confluent's own @confluentinc/schemaregistry writes the list,
 * but serializes @bufbuild/protobuf messages, not protobufjs ones, and brings cloud KMS clients
 * (AWS, Azure, GCP, Vault) into the bundle: six bytes are framed here instead.
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
export function frameProtobuf(schemaId: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(6 + payload.length);
  out.writeUInt8(0, 0);
  out.writeInt32BE(schemaId, 1);
  out.writeUInt8(0, 5);
  out.set(payload, 6);
  return out;
}

/** The inverse of frameProtobuf, for tests and tools. */
export function unframeProtobuf(bytes: Buffer): { schemaId: number; payload: Buffer } {
  if (bytes.length < 6 || bytes[0] !== 0) throw new Error('not in the Schema Registry wire format (magic byte 0 expected)');
  if (bytes[5] !== 0) throw new Error('only the first message of a schema (message index 0) is supported');
  return { schemaId: bytes.readInt32BE(1), payload: bytes.subarray(6) };
}
