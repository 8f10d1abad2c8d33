import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ABORT_REQUEST, linkedController, type ServerContext } from '../context.js';
import { CancelledError } from '../errors.js';

/**
 * Builds a request's context: its headers, its id (body `id`, else `x-request-id`, else a new
 * one) and a signal that fires when the client disconnects or the server's shutdown grace ends.
 */
export function createRequestContext(
  req: Request,
  res: Response,
  shutdown: AbortSignal,
  bodyId?: unknown,
): ServerContext {
  const { controller, unlink } = linkedController(shutdown);
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new CancelledError('client disconnected'));
    unlink();
  });
  const headerId = req.headers['x-request-id'];
  const requestId =
    typeof bodyId === 'string' && bodyId !== ''
      ? bodyId
      : typeof headerId === 'string' && headerId
        ? headerId
        : randomUUID();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    signal: controller.signal,
    headers,
    requestId,
    [ABORT_REQUEST]: (reason: unknown) => controller.abort(reason),
  };
}
