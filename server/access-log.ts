import type { Call, CallObserver } from './call.js';
import { statusText } from './call-status.js';
import type { Logger } from './logger.js';

/** At which level access lines are written: `access_log` (`true` is `info`; `false` is off). */
export type AccessLogLevel = 'info' | 'debug' | 'off';

/** The access log level a setting asks for. */
export function accessLogLevel(setting: boolean | 'info' | 'debug'): AccessLogLevel {
  if (setting === false) return 'off';
  return setting === true ? 'info' : setting;
}

/** Health probes: Kubernetes asks every few seconds, so their lines are debug lines. */
const PROBE = /\/v2\/health\/|\/ready$|^(ServerLive|ServerReady|ModelReady)$|^\/grpc\.health\.v1\.Health\//;

/**
 * The access log, fed by the core's observation point: one line per call when it ends — a
 * request, a stream, a WebSocket session, an RPC — with its operation (route template or RPC),
 * transport, model, status (HTTP status, 499 when the client left first; gRPC code name;
 * WebSocket close code), duration, bytes written, responses and request id, and the error that
 * ended it. Health probes are logged at debug. A client that disconnected is in the line
 * (`error="client disconnected"`); with the access log off it still gets a debug line.
 */
export class AccessLog implements CallObserver {
  constructor(
    private readonly logger: Logger,
    private readonly level: AccessLogLevel,
    /** The server's logger, for disconnects when the access log is off. */
    private readonly serverLogger: Logger = logger,
  ) {}

  onCallEnd(call: Call): void {
    if (this.level === 'off') {
      if (call.error?.code === 'cancelled')
        this.serverLogger.debug(
          `${call.operation}: ${call.error.message} after ${call.responses} responses (request ${call.id})`,
        );
      return;
    }
    const ms = Math.round((performance.now() - call.startedAt) * 1000) / 1000;
    const status = statusText(call);
    const fields = {
      transport: call.transport,
      model: call.model?.name,
      version: call.model?.version,
      status,
      duration_ms: ms,
      bytes: call.bytesOut,
      responses: call.sessionOpen ? call.responses : undefined,
      request_id: call.id,
      error: call.error?.message,
    };
    const message = `${call.operation} ${status} ${ms} ms`;
    if (this.level === 'debug' || PROBE.test(call.operation)) this.logger.debug(message, fields);
    else this.logger.info(message, fields);
  }
}
