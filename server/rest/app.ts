import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import type { AccessControl } from '../access.js';
import { jsonLimits } from '../settings/json-limits.js';
import type { DataPlane } from '../dataplane.js';
import type { Logger } from '../logger.js';
import type { ModelConfigs } from '../model-config.js';
import type { RepositoryHandlers } from '../repository-handlers.js';
import type { ServerSettings } from '../settings/server-settings.js';
import type { InferenceStatistics } from '../statistics.js';
import { accessMiddleware } from './access-middleware.js';
import { observeRequests } from './client-call.js';
import { corsMiddleware } from './cors.js';
import { addDocsRoutes } from './docs-routes.js';
import { drainMiddleware } from './drain-middleware.js';
import { errorMiddleware, notFoundRoute } from './error-response.js';
import { addExamplePageRoutes } from './example-page.js';
import { addExtensionRoutes } from './extension-routes.js';
import { createFastPath } from './fast-path.js';
import { gzipResponses } from './gzip.js';
import { addHealthRoutes } from './health-routes.js';
import { inferenceBodyLimits } from './inference-body.js';
import { inferenceHandlers } from './inference-handlers.js';
import { addInferenceRoutes } from './inference-routes.js';
import { addRepositoryRoutes } from './repository-routes.js';

/** What the REST adapter needs from the core. */
export interface RestAppOptions {
  dataplane: DataPlane;
  repository: RepositoryHandlers;
  statistics: InferenceStatistics;
  modelConfigs: ModelConfigs;
  settings: ServerSettings;
  logger: Logger;
  /** Who may call which route (tokens, load/unload switch). */
  access: AccessControl;
  /** Fires when shutdown begins: new requests get 503 and every answer closes its connection. */
  draining: AbortSignal;
}

/** The dataplane handlers both layers serve. */
type RestHandlers = ReturnType<typeof inferenceHandlers>;

/** The REST adapter: the express app, and the HTTP port's listener (the fast path in front of it). */
export interface RestListener {
  app: Express;
  listener: RequestListener;
}

/**
 * Builds the REST adapter: one set of dataplane handlers, registered on the express app (which
 * serves every route) and served by the fast path in front of it (which takes the dataplane
 * routes' `POST`s and hands everything else to the app).
 */
export function createRestListener(options: RestAppOptions): RestListener {
  const handlers = inferenceHandlers({
    dataplane: options.dataplane,
    logger: options.logger,
    json: jsonLimits(options.settings),
  });
  const app = createRestApp(options, handlers);
  const listener = createFastPath(
    { ...options, bodyLimits: inferenceBodyLimits(options.settings), handlers },
    app,
  );
  return { app, listener };
}

/** Builds the express app: the v2 REST routes (also under `root_path`), JSON errors everywhere. */
export function createRestApp(options: RestAppOptions, handlers: RestHandlers): Express {
  const { settings, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observeRequests(options.dataplane));
  app.use(drainMiddleware(options.draining));
  if (settings.cors_settings) app.use(corsMiddleware(settings.cors_settings));
  if (settings.gzip_enabled) app.use(gzipResponses());
  const router = express.Router();
  router.use(accessMiddleware(options.access, settings.cors_settings));
  addExtensionRoutes(router, options.statistics, options.modelConfigs);
  addHealthRoutes(router, options.dataplane);
  // Inference bodies are read as bytes (JSON or Triton's binary extension, whatever the content
  // type: curl -d sends form encoding); gzip/deflate bodies are inflated.
  addInferenceRoutes(router, {
    dataplane: options.dataplane,
    logger,
    json: jsonLimits(settings),
    bodyLimits: inferenceBodyLimits(settings),
    handlers,
  });
  router.use('/v2/repository', express.json({ limit: '1mb', type: () => true, strict: false }));
  addRepositoryRoutes(router, options.repository);
  addDocsRoutes(router, {
    dataplane: options.dataplane,
    name: settings.server_name,
    version: settings.server_version,
  });
  addExamplePageRoutes(router, settings.static_examples);
  app.use(router);
  if (settings.root_path && settings.root_path !== '/') app.use(settings.root_path, router);
  app.use(notFoundRoute);
  app.use(errorMiddleware(logger));
  return app;
}
