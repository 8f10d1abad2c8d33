import type { Router } from 'express';
import type { ModelConfigs } from '../model-config.js';
import type { InferenceStatistics } from '../statistics.js';
import { modelPaths, modelRef } from './inference-routes.js';

/**
 * Triton's statistics extension (`GET /v2/models[/{m}[/versions/{v}]]/stats`) and model
 * configuration extension (`GET /v2/models/{m}[/versions/{v}]/config`), in Triton's JSON shapes.
 * Register before the model metadata route: `/v2/models/stats` would otherwise name a model.
 */
export function addExtensionRoutes(
  router: Router,
  statistics: InferenceStatistics,
  configs: ModelConfigs,
): void {
  router.get('/v2/models/stats', (_req, res) => {
    res.json(statistics.report());
  });
  router.get(modelPaths('/stats'), (req, res) => {
    res.json(statistics.report(modelRef(req)));
  });
  router.get(modelPaths('/config'), async (req, res) => {
    res.json(await configs.get(modelRef(req)));
  });
}
