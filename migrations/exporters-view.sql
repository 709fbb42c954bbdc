-- Refreshes the exporters table every minute from the flows of the last two
-- minutes, one row per exporter interface (both sides of each flow). A
-- periodic query costs far less than a view run on every insert.
CREATE MATERIALIZED VIEW {{view}}
REFRESH EVERY 1 MINUTE APPEND TO {{table}}
AS SELECT
{{select}}
FROM
(
  SELECT
{{inner}}
  FROM {{source}}
  ARRAY JOIN arrayEnumerate([1, 2]) AS num
  WHERE TimeReceived >= now() - toIntervalMinute(2)
)
GROUP BY ExporterAddress, IfName
COMMENT {{comment}}
