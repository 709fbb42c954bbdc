// SPDX-License-Identifier: AGPL-3.0-only

/**
 * ERROR_CODES lists every error code the project raises. Each code is
 * documented in docs/errors.md; a test keeps both in sync.
 */
export const ERROR_CODES = [
  'AKV_CONFIG_FILE', // configuration file unreadable or not YAML
  'AKV_CONFIG_INVALID', // configuration does not match the schema
  'AKV_CONFIG_ENV', // AKVORADO_CFG_* variable naming no key
  'AKV_COMPONENT_START', // a component failed to start
  'AKV_COMPONENT_STOPPED', // a component was used after stop()
  'AKV_DAEMON_TASK_DIED', // a long-running task ended with an error
  'AKV_DAEMON_STOP_TIMEOUT', // components did not stop before the deadline
  'AKV_SERVICE_UNAVAILABLE', // a service command that this version does not provide yet
  'AKV_SCHEMA_INVALID', // schema.* names an unknown column or an impossible combination
  'AKV_CONFIGURE_KAFKA', // configure could not create or update the Kafka topic
  'AKV_CONFIGURE_CLICKHOUSE', // configure could not bring a ClickHouse object in line (the step is named)
  'AKV_CLICKHOUSE_QUERY', // a ClickHouse statement failed or ClickHouse cannot be reached
  'AKV_CLASSIFIER_PARSE', // an exporter or interface classifier rule does not compile
  'AKV_CLASSIFIER_RUNTIME', // a classifier rule failed while running (counted and logged)
  'AKV_METADATA_SNMP', // an SNMP poll of an exporter failed (timeout, authentication, agent error)
  'AKV_METADATA_PERSIST', // the metadata cache file cannot be read, parsed or written
  'AKV_GEOIP_DATABASE', // a GeoIP database file is missing, unreadable or not a MaxMind DB
  'AKV_CONSOLE_FILTER', // a console filter does not parse or names an unknown column or a bad value
  'AKV_CONSOLE_INPUT', // a console API request is malformed (bad field, range, dimension or unit)
  'AKV_CONSOLE_NOT_FOUND', // a console API request names something that does not exist (saved filter, route)
  'AKV_CONSOLE_AUTH', // a console API request carries no user and no default user is configured
  'AKV_CONSOLE_QUERY', // a console query to ClickHouse failed
  'AKV_CONSOLE_DATABASE', // the console's SQLite database (saved filters) cannot be opened or written
  'AKV_CONSOLE_INTERNAL', // an unexpected error while answering a console request (a bug)
] as const;

/** ErrorCode is one of ERROR_CODES. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** AkvoradoError is the base of every error the project raises: it carries a `code`. */
export class AkvoradoError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AkvoradoError';
    this.code = code;
  }

  /** toJSON keeps code and message when the error is sent over HTTP or logged. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** hasCode tells whether an error (of any origin) carries the given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof AkvoradoError && err.code === code;
}
