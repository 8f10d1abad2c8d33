import { Writable } from 'node:stream';
import { type Level, type LevelWithSilent, pino } from 'pino';
import { LOGGER_NAMES, type LoggingConfig, type LoggingLevel } from './settings/observability-settings.js';

/** Structured fields of a log line (keys of the JSON record; `key=value` in plain lines). */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * The server's logger: four levels, fields on the informational ones, an optional error whose
 * stack goes to the log at debug level. `child` gives the logger of a part of the server by name
 * (`access`), with the level `logging_settings` gives it.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, err?: unknown): void;
  error(message: string, err?: unknown): void;
  child?(name: 'access'): Logger;
}

/** Where and how to log. */
export interface LoggerOptions {
  debug: boolean;
  /** JSON lines (pino's format) instead of human-readable lines. */
  structured: boolean;
  /** `logging_settings` (already read from its file): levels per logger. */
  logging?: LoggingConfig | null;
  /** Defaults to stderr. */
  destination?: NodeJS.WritableStream;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'FATAL',
};

/** Keys of a pino record that are not fields of the line. */
const RECORD_KEYS = new Set(['time', 'level', 'msg', 'err', 'name', 'pid', 'hostname']);

/**
 * Creates the server logger on pino; plain lines look like MLServer's
 * `timestamp [mlserver] LEVEL - msg`, followed by the line's fields as `key=value`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stderr;
  const stream = options.structured ? out : humanReadable(out);
  const fallback: LevelWithSilent = options.debug ? 'debug' : 'info';
  const levels = loggerLevels(options.logging ?? null, fallback);
  const root = pino({ level: levels.server, base: { name: 'mlserver-ts' } }, stream);
  // A logger of its own, not `root.child({ name })`: pino appends a child's bindings, so the
  // line would carry `"name"` twice, which strict JSON consumers reject.
  const access = pino({ level: levels.access, base: { name: 'access' } }, stream);
  // One line per problem; the error's stack only when the server logs at debug level.
  const withStack = root.isLevelEnabled('debug');
  const wrap = (log: pino.Logger, child?: () => Logger): Logger => ({
    debug: (message, fields) => (fields ? log.debug(fields, message) : log.debug(message)),
    info: (message, fields) => (fields ? log.info(fields, message) : log.info(message)),
    warn: (message, err) => (err && withStack ? log.warn({ err }, message) : log.warn(message)),
    error: (message, err) => (err && withStack ? log.error({ err }, message) : log.error(message)),
    ...(child ? { child } : {}),
  });
  const accessLogger = wrap(access);
  return wrap(root, () => accessLogger);
}

/**
 * The level of the server's logger and of the access logger: each one's own level in
 * `logging_settings.loggers`, else the config's default (`level`, `root.level`), else `debug`
 * or `info` as the `debug` setting says. `NOTSET` means "not set", as in Python.
 */
export function loggerLevels(
  config: LoggingConfig | null,
  fallback: LevelWithSilent,
): { server: LevelWithSilent; access: LevelWithSilent } {
  const defaultLevel = toPino(config?.level) ?? toPino(config?.root?.level) ?? fallback;
  const named: { server?: LevelWithSilent; access?: LevelWithSilent } = {};
  for (const [name, logger] of Object.entries(config?.loggers ?? {})) {
    const part = LOGGER_NAMES[name];
    const level = toPino(logger.level);
    if (part && level) named[part] = level;
  }
  return { server: named.server ?? defaultLevel, access: named.access ?? defaultLevel };
}

/** A Python level (name or number) as pino's; undefined for NOTSET or no level. */
function toPino(level: LoggingLevel | undefined): LevelWithSilent | undefined {
  if (level === undefined) return undefined;
  if (typeof level === 'number') {
    if (level <= 0) return undefined;
    const steps: [number, Level][] = [
      [10, 'debug'],
      [20, 'info'],
      [30, 'warn'],
      [40, 'error'],
      [50, 'fatal'],
    ];
    return steps.find(([limit]) => level <= limit)?.[1] ?? 'silent';
  }
  const name = level.toLowerCase();
  const names: Record<string, LevelWithSilent | undefined> = {
    debug: 'debug',
    info: 'info',
    warning: 'warn',
    warn: 'warn',
    error: 'error',
    critical: 'fatal',
    fatal: 'fatal',
    off: 'silent',
    notset: undefined,
  };
  return names[name];
}

function humanReadable(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const record = JSON.parse(chunk.toString()) as Record<string, unknown> & {
        time: number;
        level: number;
        msg: string;
        err?: { stack?: string };
      };
      const time = new Date(record.time).toISOString();
      const stack = record.level >= 40 && record.err?.stack ? `\n${record.err.stack}` : '';
      let fields = '';
      for (const [key, value] of Object.entries(record)) {
        if (RECORD_KEYS.has(key) || value === undefined) continue;
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        fields += ` ${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
      }
      out.write(
        `${time} [mlserver-ts] ${LEVEL_NAMES[record.level] ?? record.level} - ${record.msg}${fields}${stack}\n`,
      );
      callback();
    },
  });
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
