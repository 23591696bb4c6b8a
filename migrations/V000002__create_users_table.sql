-- Users from the Datagen users quickstart, keyed by userid.
CREATE TABLE USERS (userid VARCHAR PRIMARY KEY, registertime BIGINT, regionid VARCHAR)
  WITH (kafka_topic = 'users', value_format = 'json', partitions = ${partitions});
