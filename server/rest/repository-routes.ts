import type { Router } from 'express';
import { InvalidInputError } from '../errors.js';
import type { RepositoryHandlers } from '../repository-handlers.js';

/** The model repository API: index, load (or reload), unload. */
export function addRepositoryRoutes(router: Router, repository: RepositoryHandlers): void {
  router.post('/v2/repository/index', async (req, res) => {
    const body = (req.body ?? {}) as { ready?: unknown };
    // null is "absent", as MLServer's RepositoryIndexRequest has it.
    if (body.ready !== undefined && body.ready !== null && typeof body.ready !== 'boolean') {
      throw new InvalidInputError("'ready' must be a boolean");
    }
    res.json(await repository.index({ readyOnly: body.ready === true }));
  });
  router.post('/v2/repository/models/:name/load', async (req, res) => {
    await repository.load(req.params.name);
    res.json({ name: req.params.name, state: 'READY' });
  });
  router.post('/v2/repository/models/:name/unload', async (req, res) => {
    await repository.unload(req.params.name);
    res.json({ name: req.params.name, state: 'UNAVAILABLE' });
  });
}
