-- Settlements per symbol per one-minute window whose disposition contains 'SEC'.
CREATE TABLE FLAGGED_PER_MINUTE AS SELECT symbol, count(*) AS num_flagged FROM TRADE_SETTLEMENT
  WINDOW TUMBLING (size 60 second) WHERE disposition like '%SEC%' GROUP BY symbol EMIT CHANGES;
