import { Writable } from 'node:stream';
import { pino } from 'pino';

/** The server's logger: four levels, an optional error whose stack goes to the log at debug level. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string, err?: unknown): void;
  error(message: string, err?: unknown): void;
}

/** Where and how to log. */
export interface LoggerOptions {
  debug: boolean;
  /** JSON lines (pino's format) instead of human-readable lines. */
  structured: boolean;
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

/** Creates the server logger on pino; plain lines look like MLServer's `timestamp [mlserver] LEVEL - msg`. */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stderr;
  const stream = options.structured ? out : humanReadable(out);
  const log = pino({ level: options.debug ? 'debug' : 'info', base: { name: 'mlserver-ts' } }, stream);
  // One line per problem; the error's stack only with debug on.
  const withStack = options.debug;
  return {
    debug: (message) => log.debug(message),
    info: (message) => log.info(message),
    warn: (message, err) => (err && withStack ? log.warn({ err }, message) : log.warn(message)),
    error: (message, err) => (err && withStack ? log.error({ err }, message) : log.error(message)),
  };
}

function humanReadable(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const record = JSON.parse(chunk.toString()) as {
        time: number;
        level: number;
        msg: string;
        err?: { stack?: string };
      };
      const time = new Date(record.time).toISOString();
      const stack = record.level >= 40 && record.err?.stack ? `\n${record.err.stack}` : '';
      out.write(
        `${time} [mlserver-ts] ${LEVEL_NAMES[record.level] ?? record.level} - ${record.msg}${stack}\n`,
      );
      callback();
    },
  });
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
