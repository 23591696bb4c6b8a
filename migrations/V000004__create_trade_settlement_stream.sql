-- Settlements produced by the Lambda; windows run on the settlement time it sets.
-- Protobuf with Schema Registry, as the settlement Lambda writes it (schema TradeSettlement).
CREATE STREAM TRADE_SETTLEMENT (user VARCHAR, symbol VARCHAR, amount DOUBLE, disposition VARCHAR, reason VARCHAR, timestamp BIGINT)
  WITH (kafka_topic = 'trade-settlements', value_format = 'PROTOBUF', timestamp = 'timestamp', partitions = ${partitions});
