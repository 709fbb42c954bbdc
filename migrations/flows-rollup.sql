-- Feeds a rolled-up flows table from every insert into the main one, time
-- truncated to the table's interval; the table's engine adds up rows of the
-- same bucket and dimensions (on insert unless optimize_on_insert is 0,
-- and in background merges).
CREATE MATERIALIZED VIEW {{view}} TO {{table}}
AS SELECT
{{select}}
FROM {{flows}}
COMMENT {{comment}}
