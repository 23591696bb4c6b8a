-- Settlements produced by the Lambda; windows run on the settlement time it sets.
-- settlement_format is PROTOBUF (with Schema Registry) in production; the local server uses JSON for now.
CREATE STREAM TRADE_SETTLEMENT (user VARCHAR, symbol VARCHAR, amount DOUBLE, disposition VARCHAR, reason VARCHAR, timestamp BIGINT)
  WITH (kafka_topic = 'trade-settlements', value_format = '${settlement_format}', timestamp = 'timestamp', partitions = ${partitions});
