import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AccessControl } from '../access.js';
import type { Call } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { CancelledError, InferenceServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session.js';
import type { ServerSettings } from '../settings/server-settings.js';
import { headerRecord } from '../wire/http-headers.js';
import { HTTP_STATUS } from '../wire/http-status.js';
import type { JsonRequestOptions } from '../wire/json-request.js';
import { serveConnection } from './ws-connection.js';
import { upgradeOriginAllowed } from './ws-origin.js';
import { matchWsRoute } from './ws-route.js';

/** What the WebSocket transport needs. */
export interface WsListenerOptions {
  dataplane: DataPlane;
  /** Who may open a session: the same tokens as REST inference. */
  access: AccessControl;
  logger: Logger;
  settings: ServerSettings;
  json: JsonRequestOptions;
}

/**
 * The WebSocket transport (the `ws` library) on the HTTP port: an Upgrade to
 * `/v2/models/{m}[/versions/{v}]/infer_stream` (or `generate_stream`) opens one session of the
 * core. Everything that can be refused is refused before the handshake, as an HTTP status with
 * `{"error"}` (unknown route or model 404, model not ready or shutting down 503, session limits
 * 429, an origin the server does not allow 403), so clients see the same statuses as over REST.
 */
export class WsListener {
  private readonly server: WebSocketServer;

  constructor(private readonly options: WsListenerOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.settings.http_max_request_size,
      perMessageDeflate: false,
    });
  }

  /** Serves upgrades that reach `http`. */
  attach(http: Server): void {
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const { dataplane, settings } = this.options;
    const target = matchWsRoute(req.url, settings.root_path);
    if (!target) {
      refuse(socket, 404, `no WebSocket route for ${req.url ?? '/'}`);
      return;
    }
    if (!upgradeOriginAllowed(req, settings.cors_settings)) {
      refuse(
        socket,
        403,
        `WebSocket connections from origin ${req.headers.origin} are not allowed (cors_settings)`,
      );
      return;
    }
    let call: Call | undefined;
    let session: Session;
    try {
      this.options.access.check(upgradeCredentials(req), 'inference');
      call = dataplane.call({
        transport: 'ws',
        operation: 'GET /v2/models/:name/infer_stream (WebSocket)',
        headers: headerRecord(req.headers),
      });
      session = dataplane.openSession(target.ref, call, { id: target.sessionId });
    } catch (err) {
      const error = InferenceServerError.from(err);
      if (call) {
        call.status = HTTP_STATUS[error.code];
        call.end();
      }
      refuse(socket, HTTP_STATUS[error.code], error.message);
      return;
    }
    const opened = call;
    let upgraded = false;
    socket.once('close', () => {
      if (upgraded) return;
      session.abort(new CancelledError('the WebSocket handshake did not complete'));
      opened.end();
    });
    this.server.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      serveConnection(ws, opened, session, this.options);
    });
  }
}

/**
 * The headers an upgrade presents for access control. Browsers cannot set headers on a
 * WebSocket, so a page may send its token as `?access_token=` (RFC 6750's query form), used only
 * when no `Authorization` header came.
 */
function upgradeCredentials(req: IncomingMessage): IncomingMessage['headers'] {
  if (req.headers.authorization) return req.headers;
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('access_token');
  return token ? { ...req.headers, authorization: `Bearer ${token}` } : req.headers;
}

/** Answers an upgrade with an HTTP error and `{"error"}`, then closes the socket. */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
