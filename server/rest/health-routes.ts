import type { Router } from 'express';
import type { DataPlane } from '../dataplane.js';
import { modelPaths, modelRef } from './inference-routes.js';

/**
 * Health and metadata. Health answers carry JSON bodies (MLServer's are empty, which breaks
 * the KServe Python SDK); "not ready" is a 400, as the protocol and Triton have it.
 */
export function addHealthRoutes(router: Router, dataplane: DataPlane): void {
  router.get('/v2/health/live', (_req, res) => {
    res.json({ live: dataplane.live() });
  });
  router.get('/v2/health/ready', (_req, res) => {
    const ready = dataplane.ready();
    res.status(ready ? 200 : 400).json({ ready });
  });
  router.get(modelPaths('/ready'), (req, res) => {
    const ref = modelRef(req);
    const ready = dataplane.modelReady(ref);
    res
      .status(ready ? 200 : 400)
      .json({ name: ref.name, ...(ref.version ? { version: ref.version } : {}), ready });
  });
  router.get('/v2', (_req, res) => {
    res.json(dataplane.serverMetadata());
  });
  router.get(modelPaths(''), async (req, res) => {
    res.json(await dataplane.modelMetadata(modelRef(req)));
  });
}
