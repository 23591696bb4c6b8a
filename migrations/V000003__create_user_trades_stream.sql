-- Each trade joined to its user; a trade whose user is unknown keeps a null region.
CREATE STREAM USER_TRADES WITH (kafka_topic = 'user_trades') AS
  SELECT s.userid AS USERID, u.regionid, quantity, symbol, price, account, side
  FROM STOCKTRADE s LEFT JOIN USERS u ON s.USERID = u.userid;
