-- A flows table: the main one (MergeTree, one row per flow) or a rolled-up
-- one (SummingMergeTree adding Bytes and Packets of rows whose ORDER BY
-- columns, every dimension, are equal; the primary key is a prefix).
CREATE TABLE {{table}}
(
{{columns}}
)
ENGINE = {{engine}}
PARTITION BY {{partition}}
PRIMARY KEY ({{primaryKey}})
ORDER BY ({{order}})
{{ttl}}
COMMENT {{comment}}
