import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Call, Transport } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { headerRecord } from '../wire/http-headers.js';

/** The status recorded for a request whose client left before its response was complete (nginx's). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Where a response keeps what its request needs when it closes. */
const EXCHANGE = Symbol('mlserver-ts.exchange');

/**
 * What one HTTP exchange keeps until its response closes: when it arrived, the core's call once
 * one started, the route it was served by (set by the fast path; express's is read from the
 * request), and what to give back (held body bytes). One object and one shared `close`
 * listener per response, so a held stream carries no closures for them.
 */
interface Exchange {
  dataplane: DataPlane;
  at: number;
  bytesWritten: number;
  call: Call | undefined;
  operation: string | undefined;
  release: (() => void) | undefined;
}

interface Observed extends ServerResponse {
  [EXCHANGE]?: Exchange;
}

/**
 * Observes a request from its arrival, first thing on both the REST app and the fast path:
 * every request is a call of the core (access log, metrics, tracing). Inference routes start
 * their own call (`startCall`) once the body is read; any other request — health, metadata,
 * repository, docs, a refused or unknown one — becomes one call when its response is over, of
 * the route `enterRoute` named (fast path) or express matched, else `<METHOD> (unrouted)`.
 */
export function observeArrival(dataplane: DataPlane, req: IncomingMessage, res: ServerResponse): void {
  (res as Observed)[EXCHANGE] = {
    dataplane,
    at: performance.now(),
    bytesWritten: req.socket.bytesWritten,
    call: undefined,
    operation: undefined,
    release: undefined,
  };
  res.on('close', onClose);
}

/** Express middleware, first in the app: `observeArrival`. */
export function observeRequests(dataplane: DataPlane): RequestHandler {
  return (req, res, next) => {
    observeArrival(dataplane, req, res);
    next();
  };
}

/** Names the route a request entered (the fast path; express's routes name themselves). */
export function enterRoute(res: ServerResponse, operation: string): void {
  const exchange = (res as Observed)[EXCHANGE];
  if (exchange) exchange.operation = operation;
}

/** Runs `release` when the response closes (bytes held for the request, say). */
export function releaseOnClose(res: ServerResponse, release: () => void): void {
  const exchange = (res as Observed)[EXCHANGE];
  if (exchange) exchange.release = release;
  else res.on('close', release);
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
  const exchange = (res as Observed)[EXCHANGE];
  const call = dataplane.call({
    transport,
    operation,
    headers: headerRecord(req.headers),
    bodyId,
    startedAt: exchange?.at,
  });
  if (exchange) exchange.call = call;
  else {
    const written = req.socket.bytesWritten;
    res.on('close', () => finish(call, req, res, written));
  }
  return call;
}

/** The one `close` listener of every observed response (`this` is the response). */
function onClose(this: Observed): void {
  const exchange = this[EXCHANGE];
  if (!exchange) return;
  exchange.release?.();
  const req = this.req;
  const call =
    exchange.call ??
    exchange.dataplane.call({
      transport: 'rest',
      operation: exchange.operation ?? operationOf(req as Request),
      headers: headerRecord(req.headers),
      startedAt: exchange.at,
    });
  finish(call, req, this, exchange.bytesWritten);
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
