-- Exporters and their interfaces as last seen in flows (for the console's
-- completion and widgets).
CREATE TABLE {{table}}
(
{{columns}}
)
ENGINE = ReplacingMergeTree(TimeReceived)
ORDER BY (ExporterAddress, IfName)
TTL TimeReceived + toIntervalDay(7)
COMMENT {{comment}}
