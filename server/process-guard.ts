import { attributeToModel } from './fault-attribution.js';
import type { Logger } from './logger.js';
import type { ModelRegistry } from './registry.js';

/** What the guard needs from the running server. */
export interface GuardedServer {
  registry: ModelRegistry;
  /** Stops gracefully (drain, unload). */
  stop(): Promise<void>;
}

/**
 * The process's policy for errors nobody caught, so that a runtime's mistake never kills the
 * server silently (Node's default: exit 1, nothing logged, no drain):
 *
 * - an **unhandled promise rejection** is logged (with the model it came from when its stack
 *   names a model folder) and the server goes on: a forgotten promise leaves nothing half-done
 *   that the server depends on;
 * - an **uncaught exception** from a model's code (its stack names the model's folder) takes
 *   that model out of service — UNAVAILABLE with the reason, in-flight requests drained, then
 *   unloaded — while every other model keeps serving; loading it again brings it back;
 * - an **uncaught exception from anywhere else** may have left the server itself in an unknown
 *   state (Node's guidance: do not resume), so the server shuts down gracefully — readiness
 *   false, drain within the grace period, unload — and the process exits with code 1.
 */
export function guardProcess(server: GuardedServer, logger: Logger, exit: (code: number) => void): void {
  let fatal = false;
  process.on('unhandledRejection', (reason) => {
    const slot = attributeToModel(reason, server.registry.slots());
    const where = slot ? `model '${slot.name}'` : 'outside any model';
    logger.error(`unhandled promise rejection (${where}): ${describe(reason)}; the server goes on`, reason);
  });
  process.on('uncaughtException', (error) => {
    const slot = attributeToModel(error, server.registry.slots());
    if (slot) {
      const reason = `its runtime threw an uncaught exception: ${describe(error)}`;
      void server.registry.fail(slot, reason).catch((err: unknown) => {
        logger.error(`model '${slot.name}' could not be taken out of service`, err);
      });
      logger.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
      return;
    }
    logger.error(`uncaught exception outside any model: ${describe(error)}; shutting down gracefully`, error);
    if (fatal) return;
    fatal = true;
    server.stop().then(
      () => exit(1),
      () => exit(1),
    );
  });
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return String(value);
  }
}
