import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UnavailableError } from '../errors.js';
import { restScope } from './access-middleware.js';
import { sendError } from './error-response.js';

/**
 * Once `draining` fires (shutdown began), every response carries `Connection: close`, so kept-alive
 * connections end with their next answer, and every new request but the health routes is
 * answered 503 at once: the client can retry elsewhere. Health keeps answering (liveness true,
 * readiness false) so probes see the drain rather than a dead server.
 */
export function drainMiddleware(draining: AbortSignal): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!draining.aborted) {
      next();
      return;
    }
    res.setHeader('Connection', 'close');
    if (restScope(req.method, stripRoot(req.path)) === 'health') {
      next();
      return;
    }
    sendError(res, new UnavailableError('server is shutting down'));
  };
}

/** The path below `root_path`, when the app serves under one (`/v2/...` is found either way). */
function stripRoot(path: string): string {
  const at = path.indexOf('/v2/');
  return at > 0 ? path.slice(at) : path;
}
