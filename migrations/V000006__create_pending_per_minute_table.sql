-- Settlements per symbol per one-minute window whose disposition contains 'Pending'.
CREATE TABLE PENDING_PER_MINUTE AS SELECT symbol, count(*) AS num_pending FROM TRADE_SETTLEMENT
  WINDOW TUMBLING (size 60 second) WHERE disposition like '%Pending%' GROUP BY symbol EMIT CHANGES;
