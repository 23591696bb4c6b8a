-- Settlements per symbol per one-minute window whose disposition contains 'Rejected'.
CREATE TABLE REJECTED_PER_MINUTE AS SELECT symbol, count(*) AS num_rejected FROM TRADE_SETTLEMENT
  WINDOW TUMBLING (size 60 second) WHERE disposition like '%Rejected%' GROUP BY symbol EMIT CHANGES;
