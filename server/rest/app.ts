import compression from 'compression';
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
import { addHealthRoutes } from './health-routes.js';
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

/** Builds the express app: the v2 REST routes (also under `root_path`), JSON errors everywhere. */
export function createRestApp(options: RestAppOptions): Express {
  const { settings, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observeRequests(options.dataplane));
  app.use(drainMiddleware(options.draining));
  if (settings.cors_settings) app.use(corsMiddleware(settings.cors_settings));
  if (settings.gzip_enabled) {
    const compress = compression({ filter: compressible });
    // Only clients that accept an encoding pay for the compression middleware's wrapping.
    app.use((req, res, next) => (req.headers['accept-encoding'] ? compress(req, res, next) : next()));
  }
  const router = express.Router();
  router.use(accessMiddleware(options.access, settings.cors_settings));
  addExtensionRoutes(router, options.statistics, options.modelConfigs);
  addHealthRoutes(router, options.dataplane);
  // Inference bodies are read as bytes (JSON or Triton's binary extension, whatever the content
  // type: curl -d sends form encoding); gzip/deflate bodies are inflated.
  addInferenceRoutes(router, {
    dataplane: options.dataplane,
    logger,
    bodyLimits: {
      json: { bytes: settings.http_max_json_request_size, setting: 'http_max_json_request_size' },
      binary: { bytes: settings.http_max_request_size, setting: 'http_max_request_size' },
    },
    json: jsonLimits(settings),
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

/**
 * Compress JSON only: binary tensors (`application/octet-stream`) are mostly incompressible
 * numbers that gzip slows by an order of magnitude, and an SSE event is never held back.
 */
function compressible(req: express.Request, res: express.Response): boolean {
  const type = res.getHeader('content-type');
  if (typeof type !== 'string' || !type.startsWith('application/json')) return false;
  return compression.filter(req, res);
}
