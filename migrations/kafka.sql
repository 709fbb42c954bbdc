-- Reads the flows topic (length-delimited protobuf, the schema given inline).
CREATE TABLE {{table}}
(
{{columns}}
)
ENGINE = Kafka
SETTINGS
  kafka_broker_list = {{brokers}},
  kafka_topic_list = {{topic}},
  kafka_group_name = {{group}},
  kafka_format = 'Protobuf',
  kafka_num_consumers = {{consumers}},
  kafka_thread_per_consumer = 1,
  kafka_max_block_size = {{maxBlockSize}},
  kafka_poll_timeout_ms = {{pollTimeout}},
  kafka_handle_error_mode = 'stream',
  format_schema_source = 'string',
  format_schema = {{protobuf}},
  format_schema_message_name = 'FlowMessage'{{extraSettings}}
COMMENT {{comment}}
