import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';

/** Connect-style middleware on Node's own request and response (express's are the same objects). */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * `gzip_enabled`: responses compressed for clients that accept an encoding (the compression
 * middleware, which wraps Node's response; the others do not pay for its wrapping). It calls
 * `next` before returning.
 */
export function gzipResponses(): NodeMiddleware {
  const compress = compression({ filter: compressible }) as unknown as NodeMiddleware;
  return (req, res, next) => (req.headers['accept-encoding'] ? compress(req, res, next) : next());
}

/**
 * Compress JSON only: binary tensors (`application/octet-stream`) are mostly incompressible
 * numbers that gzip slows by an order of magnitude, and an SSE event is never held back.
 */
function compressible(req: IncomingMessage, res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  if (typeof type !== 'string' || !type.startsWith('application/json')) return false;
  return compression.filter(req as never, res as never);
}
