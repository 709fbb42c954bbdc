-- Data of a dictionary, shipped with Akvorado (data/*.csv) and reloaded by
-- configure when it changes.
CREATE TABLE {{table}}
(
{{columns}}
)
ENGINE = MergeTree
ORDER BY ({{key}})
COMMENT {{comment}}
