-- Settlements per symbol per one-minute window whose disposition contains 'Completed'.
CREATE TABLE COMPLETED_PER_MINUTE AS SELECT symbol, count(*) AS num_completed FROM TRADE_SETTLEMENT
  WINDOW TUMBLING (size 60 second) WHERE disposition like '%Completed%' GROUP BY symbol EMIT CHANGES;
