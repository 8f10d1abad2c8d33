import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import vary from 'vary';
import type { CorsSettings } from '../settings/server-settings.js';
import { originRule } from '../wire/cors-origins.js';

/** Starlette's meaning of `allow_methods: ["*"]`. */
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
/** Request headers a preflight always allows (Starlette's list, CORS-safelisted). */
const SAFELISTED_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];

/** `cors_settings`, compiled once into the answers Starlette's CORSMiddleware gives. */
export interface CompiledCors {
  allowAllOrigins: boolean;
  allowAllHeaders: boolean;
  allowCredentials: boolean;
  /** Preflights name the origin (not `*`) unless every origin is allowed without credentials. */
  explicitPreflightOrigin: boolean;
  /** The origin rule (`originRule`). */
  allowed: (origin: string) => boolean;
  methods: readonly string[];
  /** Lower-case names a preflight may ask for (the safelisted ones included). */
  headers: ReadonlySet<string>;
  /** Headers every response to a cross-origin request carries. */
  simpleHeaders: Readonly<Record<string, string>>;
  /** Headers every preflight answer carries. */
  preflightHeaders: Readonly<Record<string, string>>;
}

const compiled = new WeakMap<CorsSettings, CompiledCors>();

/** Compiles `cors_settings` (once per settings object). */
export function compileCors(settings: CorsSettings): CompiledCors {
  const cached = compiled.get(settings);
  if (cached) return cached;
  const allowAllOrigins = settings.allow_origins.includes('*');
  const allowAllHeaders = settings.allow_headers.includes('*');
  const methods = settings.allow_methods.includes('*') ? ALL_METHODS : settings.allow_methods;
  const explicitPreflightOrigin = !allowAllOrigins || settings.allow_credentials;

  const simpleHeaders: Record<string, string> = {};
  if (allowAllOrigins) simpleHeaders['Access-Control-Allow-Origin'] = '*';
  if (settings.allow_credentials) simpleHeaders['Access-Control-Allow-Credentials'] = 'true';
  if (settings.expose_headers.length > 0)
    simpleHeaders['Access-Control-Expose-Headers'] = settings.expose_headers.join(', ');

  const preflightHeaders: Record<string, string> = explicitPreflightOrigin
    ? { Vary: 'Origin' }
    : { 'Access-Control-Allow-Origin': '*' };
  preflightHeaders['Access-Control-Allow-Methods'] = methods.join(', ');
  preflightHeaders['Access-Control-Max-Age'] = String(settings.max_age);
  const headers = [...new Set([...SAFELISTED_HEADERS, ...settings.allow_headers])].sort();
  if (!allowAllHeaders) preflightHeaders['Access-Control-Allow-Headers'] = headers.join(', ');
  if (settings.allow_credentials) preflightHeaders['Access-Control-Allow-Credentials'] = 'true';

  const result: CompiledCors = {
    allowAllOrigins,
    allowAllHeaders,
    allowCredentials: settings.allow_credentials,
    explicitPreflightOrigin,
    allowed: originRule(settings),
    methods,
    headers: new Set(headers.map((h) => h.toLowerCase())),
    simpleHeaders,
    preflightHeaders,
  };
  compiled.set(settings, result);
  return result;
}

/**
 * `cors_settings` applied as MLServer applies them (Starlette's CORSMiddleware, answers
 * included): a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is
 * answered here, 200 `OK` or 400 `Disallowed CORS origin, method, headers`, for any path; any
 * other request with `Origin` gets the CORS headers on whatever answers it, SSE streams and
 * errors included. Requests without `Origin` are left alone. True when it answered (a preflight).
 */
export function applyCors(cors: CompiledCors, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const requestedMethod = req.headers['access-control-request-method'];
  if (req.method === 'OPTIONS' && requestedMethod !== undefined) {
    preflight(cors, res, origin, requestedMethod, req.headers['access-control-request-headers']);
    return true;
  }
  for (const [name, value] of Object.entries(cors.simpleHeaders)) res.setHeader(name, value);
  // Credentials never go with `*`: a request carrying them gets its origin named.
  const credentialed =
    req.headers.cookie !== undefined || (cors.allowCredentials && req.headers.authorization !== undefined);
  if (cors.allowAllOrigins ? credentialed : cors.allowed(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    vary(res, 'Origin');
  }
  return false;
}

/** `applyCors` as express middleware. */
export function corsMiddleware(settings: CorsSettings): RequestHandler {
  const cors = compileCors(settings);
  return (req, res, next): void => {
    if (!applyCors(cors, req, res)) next();
  };
}

function preflight(
  cors: CompiledCors,
  res: ServerResponse,
  origin: string,
  method: string,
  requestedHeaders: string | undefined,
): void {
  const headers: Record<string, string> = { ...cors.preflightHeaders };
  const failures: string[] = [];
  if (cors.allowed(origin)) {
    if (cors.explicitPreflightOrigin) headers['Access-Control-Allow-Origin'] = origin;
  } else {
    failures.push('origin');
  }
  if (!cors.methods.includes(method)) failures.push('method');
  if (cors.allowAllHeaders && requestedHeaders !== undefined) {
    headers['Access-Control-Allow-Headers'] = requestedHeaders;
  } else if (requestedHeaders !== undefined) {
    const denied = requestedHeaders.split(',').some((h) => !cors.headers.has(h.trim().toLowerCase()));
    if (denied) failures.push('headers');
  }
  const text = failures.length > 0 ? `Disallowed CORS ${failures.join(', ')}` : 'OK';
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = failures.length > 0 ? 400 : 200;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
