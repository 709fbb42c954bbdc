-- Fills the exporters table from flows, one row per interface seen.
CREATE MATERIALIZED VIEW {{view}} TO {{table}}
AS SELECT DISTINCT
{{select}}
FROM {{flows}}
ARRAY JOIN arrayEnumerate([1, 2]) AS num
COMMENT {{comment}}
