import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from '../logger.js';
import type { RepositoryHandlers } from '../repository-handlers.js';
import { unary } from './unary.js';

/**
 * `RepositoryIndex`, `RepositoryModelLoad` and `RepositoryModelUnload` over the core's repository
 * API. Triton's `GRPCInferenceService` and MLServer's `inference.model_repository.ModelRepositoryService`
 * declare them with the same names and field numbers, so both services use these handlers.
 */
export function repositoryRpcs(repository: RepositoryHandlers, logger: Logger): UntypedServiceImplementation {
  return {
    RepositoryIndex: unary('RepositoryIndex', logger, async (call) => {
      const { ready } = call.request as { ready?: boolean };
      return { reply: { models: await repository.index({ readyOnly: ready === true }) } };
    }),
    RepositoryModelLoad: unary('RepositoryModelLoad', logger, async (call) => {
      await repository.load((call.request as { model_name?: string }).model_name ?? '');
      return { reply: {} };
    }),
    RepositoryModelUnload: unary('RepositoryModelUnload', logger, async (call) => {
      await repository.unload((call.request as { model_name?: string }).model_name ?? '');
      return { reply: {} };
    }),
  };
}
