-- Moves decoded messages from the Kafka table into the main flows table.
CREATE MATERIALIZED VIEW {{view}} TO {{flows}}
AS SELECT
{{select}}
FROM {{kafka}}
WHERE length(_error) = 0
COMMENT {{comment}}
