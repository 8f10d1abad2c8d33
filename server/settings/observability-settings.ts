import { Ajv, type SchemaObject } from 'ajv';
import { SettingsError } from './settings-error.js';

/** A level in `logging_settings`: Python's names (any case), their numbers, or `off`. */
export type LoggingLevel = string | number;

/**
 * The subset of Python's logging `dictConfig` that mlserver-ts honours (MLServer's
 * `logging_settings` is a path to such a config, or the dict itself): a level per logger —
 * `mlserver` (the server's messages) and `access` (one line per request) — and a default level
 * (`level`, or `root.level`). `version`, `disable_existing_loggers`, `incremental`,
 * `formatters`, `handlers` and `filters` are accepted so MLServer's configs load, and ignored:
 * lines always go to stderr, as JSON with `use_structured_logging`.
 */
export interface LoggingConfig {
  level?: LoggingLevel;
  root?: { level?: LoggingLevel };
  loggers?: Record<string, { level?: LoggingLevel }>;
}

/** Logger names `logging_settings.loggers` may name, and which of the server's loggers each is. */
export const LOGGER_NAMES: Readonly<Record<string, 'server' | 'access'>> = {
  mlserver: 'server',
  'mlserver-ts': 'server',
  uvicorn: 'server',
  'uvicorn.error': 'server',
  access: 'access',
  'mlserver.access': 'access',
  'uvicorn.access': 'access',
};

const LEVEL_NAMES = ['debug', 'info', 'warning', 'warn', 'error', 'critical', 'fatal', 'notset', 'off'];
const level = {
  anyOf: [
    { type: 'string', enum: [...LEVEL_NAMES, ...LEVEL_NAMES.map((name) => name.toUpperCase())] },
    { type: 'integer', minimum: 0 },
  ],
};
const ignored = { type: 'object' };

/** JSON schema of a `logging_settings` dict (or of the JSON file it names). */
export const loggingConfigSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { type: 'integer' },
    disable_existing_loggers: { type: 'boolean' },
    incremental: { type: 'boolean' },
    formatters: ignored,
    handlers: ignored,
    filters: ignored,
    level,
    root: { type: 'object', properties: { level } },
    loggers: {
      type: 'object',
      propertyNames: { enum: Object.keys(LOGGER_NAMES) },
      additionalProperties: { type: 'object', properties: { level } },
    },
  },
};

/**
 * mlserver-ts's observability settings: the access log, and the schema of MLServer's
 * `logging_settings` and `tracing_server` as mlserver-ts reads them.
 */
export interface ObservabilitySettings {
  /**
   * One line per request and stream when it ends: `true` (info), `"debug"`, `false` (off). A
   * `logging_settings` level for the `access` logger decides over it.
   */
  access_log: boolean | 'info' | 'debug';
  /** A `LoggingConfig`, or the path of a JSON file holding one (relative to the settings folder). */
  logging_settings: string | LoggingConfig | null;
  /**
   * Where spans go (OpenTelemetry, OTLP): `host:port` is an OTLP/gRPC collector, as MLServer
   * reads it (plaintext; `http://` or `https://` before it choose plaintext or TLS); a URL whose
   * path is `/v1/traces` is OTLP/HTTP with protobuf bodies (see `exporterKind`). Null: no
   * tracing, nothing loaded.
   */
  tracing_server: string | null;
}

/** The schema properties of `ObservabilitySettings`, merged into the server settings' schema. */
export const observabilitySettingsProperties: Record<string, SchemaObject> = {
  access_log: { type: ['boolean', 'string'], enum: [true, false, 'info', 'debug'], default: true },
  logging_settings: {
    // The type list is for MLSERVER_LOGGING_SETTINGS: JSON is read as a dict, anything else as a path.
    type: ['string', 'object', 'null'],
    anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }, loggingConfigSchema],
    default: null,
  },
  tracing_server: { type: ['string', 'null'], minLength: 1, default: null },
};

const checkLoggingConfig = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  loggingConfigSchema,
);

/** Validates a logging config read from `file`: every problem with its field, as a settings error. */
export function validateLoggingConfig(value: unknown, file: string): LoggingConfig {
  if (checkLoggingConfig(value)) return value as LoggingConfig;
  const problems = (checkLoggingConfig.errors ?? []).map((error) => {
    const path = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : '(root)';
    if (error.keyword === 'additionalProperties')
      return `${String(error.params.additionalProperty)}: unknown field`;
    if (error.keyword === 'propertyNames')
      return `${path}: logger '${String(error.params.propertyName)}' is not one of ${Object.keys(LOGGER_NAMES).join(', ')}`;
    return `${path}: ${error.message ?? 'is invalid'}`;
  });
  throw new SettingsError(file, problems);
}
