import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AccessControl } from '../access.js';
import type { DataPlane } from '../dataplane.js';
import type { Logger } from '../logger.js';
import type { ServerSettings } from '../settings/server-settings.js';
import { originRule } from '../wire/cors-origins.js';
import { DATAPLANE_ROUTES, type DataplaneMatch, matchDataplaneTarget } from '../wire/dataplane-routes.js';
import { checkAccess } from './access-middleware.js';
import { enterRoute, observeArrival } from './client-call.js';
import { applyCors, compileCors } from './cors.js';
import { refuseWhileDraining } from './drain-middleware.js';
import { answerError } from './error-response.js';
import { gzipResponses } from './gzip.js';
import { type InferenceBodyLimits, readInferenceBody } from './inference-body.js';
import type { InferenceHandler } from './inference-handlers.js';

/** What the fast path needs: the REST app's collaborators and the shared dataplane handlers. */
export interface FastPathOptions {
  dataplane: DataPlane;
  logger: Logger;
  access: AccessControl;
  draining: AbortSignal;
  settings: Pick<ServerSettings, 'cors_settings' | 'gzip_enabled' | 'root_path'>;
  bodyLimits: InferenceBodyLimits;
  handlers: { unary: InferenceHandler; stream: InferenceHandler };
}

/**
 * The hot path of the HTTP port: `POST` to a dataplane route (`DATAPLANE_ROUTES`: infer,
 * generate, infer_stream, generate_stream, with or without a version, also under `root_path`)
 * is served on Node's request and response with the same steps, in the same order, as the REST
 * app's middleware (observation, drain, CORS, gzip, access, body limits, errors) and the same
 * handlers, calling the same functions; every other request — and any other spelling of these
 * paths (another case, a trailing slash, a segment that does not decode) — goes to `fallback`,
 * the express app, which serves those routes too.
 */
export function createFastPath(options: FastPathOptions, fallback: RequestListener): RequestListener {
  const { dataplane, logger, access, draining, bodyLimits, handlers, settings } = options;
  const cors = settings.cors_settings ? compileCors(settings.cors_settings) : undefined;
  const gzip = settings.gzip_enabled ? gzipResponses() : undefined;
  const allowed = originRule(settings.cors_settings);
  const operations = new Map(
    DATAPLANE_ROUTES.flatMap((route) => route.templates.map((t): [string, string] => [t, `POST ${t}`])),
  );
  const noop = () => undefined;

  const serve = async (req: IncomingMessage, res: ServerResponse, match: DataplaneMatch): Promise<void> => {
    const operation = operations.get(match.template) ?? `POST ${match.template}`;
    // Until the route is entered (drain, CORS, access), the request is `(unrouted)`, as on express.
    observeArrival(dataplane, req, res);
    if (refuseWhileDraining(draining, req, res, match.template)) return;
    if (cors && applyCors(cors, req, res)) return;
    gzip?.(req, res, noop);
    try {
      checkAccess(access, allowed, 'POST', match.template, req.headers, res);
      enterRoute(res, operation);
      const body = await readInferenceBody(req, res, bodyLimits, dataplane);
      const handler = match.route.streaming ? handlers.stream : handlers.unary;
      await handler({ req, res, ref: match.ref, operation, body });
    } catch (err) {
      answerError(logger, req, req.url ?? '/', res, err);
    }
  };

  return (req, res) => {
    const match =
      req.method === 'POST' ? matchDataplaneTarget(req.url ?? '/', settings.root_path) : undefined;
    if (match) void serve(req, res, match);
    else fallback(req, res);
  };
}
