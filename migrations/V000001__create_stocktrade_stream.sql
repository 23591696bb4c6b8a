-- Trades from the Datagen stock_trades quickstart. The topic is created here when it is missing.
CREATE STREAM STOCKTRADE (side VARCHAR, quantity INT, symbol VARCHAR, price INT, account VARCHAR, userid VARCHAR)
  WITH (kafka_topic = 'stocktrade', value_format = 'json', partitions = ${partitions});
