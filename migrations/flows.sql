-- A flows table: the main one (MergeTree, one row per flow) or a rolled-up
-- one (SummingMergeTree adding Bytes and Packets per time bucket).
CREATE TABLE {{table}}
(
{{columns}}
)
ENGINE = {{engine}}
PARTITION BY {{partition}}
ORDER BY ({{order}})
{{ttl}}
COMMENT {{comment}}
