import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Call, Transport } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { headerRecord } from '../wire/http-headers.js';

/** Where a request's arrival and its call are kept on its response. */
const ARRIVED = Symbol('mlserver-ts.arrived');
const CALL = Symbol('mlserver-ts.call');

/** The status recorded for a request whose client left before its response was complete (nginx's). */
export const CLIENT_CLOSED_REQUEST = 499;

interface Observed extends ServerResponse {
  [ARRIVED]?: { at: number; bytesWritten: number };
  [CALL]?: Call;
}

/**
 * Starts the core's call for an HTTP request: its headers, route and the body's id go to the core
 * (which owns the id rule); when the response is over, its status and the bytes written are
 * recorded and the call ends; a client that closed the connection first is reported as gone and
 * recorded as 499. The call's time starts when the request arrived (see `observeArrival`).
 */
export function startCall(
  dataplane: DataPlane,
  transport: Transport,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
  bodyId: unknown,
): Call {
  const observed = res as Observed;
  const arrived = observed[ARRIVED];
  const call = dataplane.call({
    transport,
    operation,
    headers: headerRecord(req.headers),
    bodyId,
    startedAt: arrived?.at,
  });
  observed[CALL] = call;
  const written = arrived?.bytesWritten ?? req.socket.bytesWritten;
  res.once('close', () => finish(call, req, res, written));
  return call;
}

/**
 * Observes a request from its arrival, first thing on both the REST app and the fast path:
 * every request is a call of the core (access log, metrics, tracing). Inference routes start
 * their own call (`startCall`) once the body is read; any other request — health, metadata,
 * repository, docs, a refused or unknown one, an inference request whose body failed to read —
 * becomes one call, of `operation()` as it reads when the response is over.
 */
export function observeArrival(
  dataplane: DataPlane,
  req: IncomingMessage,
  res: ServerResponse,
  operation: () => string,
): void {
  const observed = res as Observed;
  const arrived = { at: performance.now(), bytesWritten: req.socket.bytesWritten };
  observed[ARRIVED] = arrived;
  res.once('close', () => {
    if (observed[CALL]) return;
    const call = dataplane.call({
      transport: 'rest',
      operation: operation(),
      headers: headerRecord(req.headers),
      startedAt: arrived.at,
    });
    finish(call, req, res, arrived.bytesWritten);
  });
}

/** Express middleware, first in the app: `observeArrival` with the route express matched. */
export function observeRequests(dataplane: DataPlane): RequestHandler {
  return (req, res, next) => {
    observeArrival(dataplane, req, res, () => operationOf(req));
    next();
  };
}

function finish(call: Call, req: IncomingMessage, res: ServerResponse, written: number): void {
  const complete = res.writableFinished;
  if (!complete) call.clientGone();
  call.status = complete ? res.statusCode : CLIENT_CLOSED_REQUEST;
  call.bytesOut = Math.max(0, req.socket.bytesWritten - written);
  call.end();
}

/** What a request nothing routed called, for logs and metrics. */
export function unrouted(method: string | undefined): string {
  return `${method} (unrouted)`;
}

/**
 * What a request called, for logs and metrics: its method and route template
 * (`POST /v2/models/:name/infer`), never the raw path, so model names a client makes up never
 * become metric labels. A route registered with several paths names the one whose parameters
 * matched; a request no route took is `<METHOD> (unrouted)`.
 */
export function operationOf(req: Request): string {
  const path: unknown = req.route?.path;
  if (typeof path === 'string') return `${req.method} ${path}`;
  if (Array.isArray(path)) {
    const params = Object.keys(req.params ?? {})
      .sort()
      .join(',');
    const matched = path.find((p) => typeof p === 'string' && paramNames(p) === params) ?? path[0];
    if (typeof matched === 'string') return `${req.method} ${matched}`;
  }
  return unrouted(req.method);
}

function paramNames(template: string): string {
  return [...template.matchAll(/:(\w+)/g)]
    .map((m) => m[1])
    .sort()
    .join(',');
}
