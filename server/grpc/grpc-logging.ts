import { format } from 'node:util';
import { setLogger, setLogVerbosity, logVerbosity } from '@grpc/grpc-js';
import type { Logger } from '../logger.js';

/**
 * Sends grpc-js's own log lines (it writes them to stderr by default, e.g. its bare "No address
 * added out of total 1 resolved" before the server's clearer message) to the server's logger at
 * debug level. grpc-js keeps one logger per process.
 */
export function routeGrpcLogs(logger: Logger): void {
  const debug = (...args: unknown[]) => logger.debug(`grpc-js: ${format(...args)}`);
  setLogger({ error: debug, info: debug, debug } as unknown as Console);
  setLogVerbosity(logVerbosity.ERROR);
}
