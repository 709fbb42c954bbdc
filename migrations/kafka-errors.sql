-- Kafka messages the Kafka engine could not decode, kept a day for inspection.
CREATE TABLE {{table}}
(
  `timestamp` DateTime,
  `topic` LowCardinality(String),
  `partition` UInt64,
  `offset` UInt64,
  `raw` String,
  `error` String
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDDhhmmss(toStartOfHour(timestamp))
ORDER BY (timestamp, topic, partition, offset)
TTL timestamp + toIntervalDay(1)
COMMENT {{comment}}
