import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from '../logger.js';
import type { ModelConfigs } from '../model-config.js';
import type { InferenceStatistics } from '../statistics.js';
import { type NameVersion, ref, unary } from './unary.js';

/** What Triton's extension RPCs need from the core. */
export interface ExtensionRpcOptions {
  statistics: InferenceStatistics;
  modelConfigs: ModelConfigs;
  logger: Logger;
}

/**
 * Triton's `ModelConfig` (model configuration extension) and `ModelStatistics` (statistics
 * extension). The core's objects already have the protos' field names; an unversioned model's
 * statistics carry version "".
 */
export function extensionRpcs(options: ExtensionRpcOptions): UntypedServiceImplementation {
  const { statistics, modelConfigs, logger } = options;
  return {
    ModelConfig: unary('ModelConfig', logger, async (call) => ({
      reply: { config: await modelConfigs.get(ref(call.request as NameVersion)) },
    })),
    ModelStatistics: unary('ModelStatistics', logger, async (call) => {
      const { name, version } = call.request as NameVersion;
      const report = statistics.report({ name: name || undefined, version: version || undefined });
      return { reply: { model_stats: report.model_stats.map((stat) => ({ version: '', ...stat })) } };
    }),
  };
}
