import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { AccessControl, AccessScope } from '../access.js';
import { PermissionDeniedError, UnsupportedMediaTypeError } from '../errors.js';
import type { CorsSettings } from '../settings/server-settings.js';
import { originRule } from '../wire/cors-origins.js';

/** The access scope of a REST route (paths relative to where the router is mounted). */
export function restScope(method: string, path: string): AccessScope {
  if (path.startsWith('/v2/health/')) return 'health';
  if (/^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/ready\/?$/.test(path)) return 'health';
  if (method === 'POST' && /^\/v2\/repository\/models\/[^/]+\/(load|unload)\/?$/.test(path)) {
    return 'model_control';
  }
  if (path.startsWith('/v2/repository')) return 'repository';
  // The example pages' files are static code from the package, no data: open like the probes so
  // that a browser can load them; their WebSocket upgrades still need a token (`?access_token=`).
  if (method === 'GET' && path.startsWith('/examples/')) return 'health';
  return 'inference';
}

/**
 * Checks a request's scope with the core's access control, and keeps model load and unload out
 * of a browser's reach (see `assertNotFromBrowser`); throws what refuses it. A 401 carries
 * `WWW-Authenticate: Bearer` (RFC 6750). `path` is relative to where the routes are served.
 */
export function checkAccess(
  access: AccessControl,
  allowed: (origin: string) => boolean,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  res: ServerResponse,
): void {
  const scope = restScope(method, path);
  try {
    if (scope === 'model_control') assertNotFromBrowser(headers, allowed);
    access.check(headers, scope);
  } catch (err) {
    if ((err as { code?: string }).code === 'unauthenticated') res.setHeader('WWW-Authenticate', 'Bearer');
    throw err;
  }
}

/** `checkAccess` as express middleware, on every route. */
export function accessMiddleware(access: AccessControl, cors: CorsSettings | null): RequestHandler {
  const allowed = originRule(cors);
  return (req, res, next) => {
    try {
      checkAccess(access, allowed, req.method, req.path, req.headers, res);
    } catch (err) {
      next(err);
      return;
    }
    next();
  };
}

/** Bodies a browser sends cross-site without a CORS preflight ("simple requests"). */
const SIMPLE_BODY_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Model load and unload change what the server serves, so a web page in someone's browser must
 * not reach them (cross-site request forgery against a server on localhost or the LAN):
 *
 * - a request with an `Origin` header (browsers send one on every cross-origin POST, and on
 *   `fetch` in no-cors mode) is refused unless `cors_settings` allows that origin;
 * - a body typed as a browser's simple request (`text/plain`, form encodings) is refused (415),
 *   so even a browser that left `Origin` out could not send one without a CORS preflight.
 *
 * Clients other than browsers (curl without `-d`, tritonclient, KServe's agent, Seldon's agent
 * over gRPC) send neither, and are unaffected.
 */
export function assertNotFromBrowser(
  headers: IncomingHttpHeaders,
  allowed: (origin: string) => boolean,
): void {
  const origin = headers.origin;
  if (origin !== undefined && !allowed(origin)) {
    throw new PermissionDeniedError(
      `model load and unload are not accepted from the web origin '${origin}' (allow it in cors_settings.allow_origins)`,
    );
  }
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (SIMPLE_BODY_TYPES.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `model load and unload take no body or an application/json one, not ${type}`,
    );
  }
}
