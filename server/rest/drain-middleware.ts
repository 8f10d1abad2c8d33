import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { UnavailableError } from '../errors.js';
import { restScope } from './access-middleware.js';
import { sendError } from './error-response.js';

/**
 * Once `draining` fires (shutdown began), every response carries `Connection: close`, so kept-alive
 * connections end with their next answer, and every new request but the health routes is
 * answered 503 at once: the client can retry elsewhere. Health keeps answering (liveness true,
 * readiness false) so probes see the drain rather than a dead server. True when it answered.
 */
export function refuseWhileDraining(
  draining: AbortSignal,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean {
  if (!draining.aborted) return false;
  res.setHeader('Connection', 'close');
  if (restScope(req.method ?? 'GET', stripRoot(path)) === 'health') return false;
  sendError(res, new UnavailableError('server is shutting down'));
  return true;
}

/** `refuseWhileDraining` as express middleware. */
export function drainMiddleware(draining: AbortSignal): RequestHandler {
  return (req, res, next) => {
    if (!refuseWhileDraining(draining, req, res, req.path)) next();
  };
}

/** The path below `root_path`, when the app serves under one (`/v2/...` is found either way). */
function stripRoot(path: string): string {
  const at = path.indexOf('/v2/');
  return at > 0 ? path.slice(at) : path;
}
