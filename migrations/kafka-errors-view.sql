-- Moves undecodable messages from the Kafka table into the errors table.
CREATE MATERIALIZED VIEW {{view}} TO {{table}}
AS SELECT
  _timestamp AS timestamp,
  _topic AS topic,
  _partition AS partition,
  _offset AS offset,
  _raw_message AS raw,
  _error AS error
FROM {{kafka}}
WHERE length(_error) > 0
COMMENT {{comment}}
