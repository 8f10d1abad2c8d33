import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { InferenceContext } from '../context.js';
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
): InferenceContext {
  const disconnected = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) disconnected.abort(new CancelledError('client disconnected'));
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
  return { signal: AbortSignal.any([disconnected.signal, shutdown]), headers, requestId };
}
