-- Feeds a rolled-up flows table from every insert into the main one.
CREATE MATERIALIZED VIEW {{view}} TO {{table}}
AS SELECT
{{select}}
FROM {{flows}}
GROUP BY {{groupBy}}
COMMENT {{comment}}
