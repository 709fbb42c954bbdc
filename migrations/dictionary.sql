-- A dictionary over its data table, read by the console (AS names, protocol
-- names, ICMP types, port names) and by ALIAS columns of the flows tables.
CREATE DICTIONARY {{dictionary}}
(
{{columns}}
)
PRIMARY KEY {{key}}
SOURCE(CLICKHOUSE(DB {{database}} TABLE {{source}}))
LIFETIME(MIN 0 MAX 3600)
LAYOUT({{layout}})
COMMENT {{comment}}
