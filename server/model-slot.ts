import { UnavailableError } from './errors.js';
import { InputContract } from './input-contract.js';
import type { MLModel, ModelCapabilities } from './model.js';
import type { ModelState } from './model-state.js';
import type { SessionSpec } from './session-spec.js';
import type { ModelSettings } from './settings/model-settings.js';
import type { TensorMetadata } from './types.js';

/**
 * One loaded (or loading, or failed) version of a model: its runtime, state, and the requests
 * that are using it, so that unloading waits for them.
 */
export class ModelSlot {
  state: ModelState = 'LOADING';
  /** Why the model is UNAVAILABLE, when it is. */
  reason = '';
  /** True when the model's settings file failed validation: there is nothing to describe or load. */
  invalid = false;
  model: MLModel | undefined;
  /** What the loaded runtime offers (unary, native streaming), read once when it became ready. */
  capabilities: ModelCapabilities = { unary: false, nativeStream: false };
  /** The inputs requests are held to (from the model's metadata when it became ready). */
  contract: InputContract = InputContract.open;
  /** How the model's sessions work (server-held state, defaults, binary frames, limit). */
  sessionSpec: SessionSpec = {
    state: [],
    context: [],
    defaults: [],
    binaryInput: undefined,
    maxSessions: null,
  };
  /** Sessions of this model open now. */
  openSessions = 0;
  /** The outputs the model declares, by name: a response keeps their datatypes. */
  declaredOutputs: ReadonlyMap<string, TensorMetadata> = new Map();
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly aborts = new Set<(reason: UnavailableError) => void>();

  constructor(readonly settings: ModelSettings) {}

  /**
   * Whether the model is ready to serve: READY, and its runtime does not say otherwise. A runtime
   * may report itself not ready (`model.ready` false) while it recovers — a model in worker
   * threads while none of its workers is alive — and still take calls, which wait for it.
   */
  get ready(): boolean {
    return this.state === 'READY' && !this.outOfService;
  }

  /** READY, but its runtime says it cannot serve now (see `ready`). */
  get outOfService(): boolean {
    return this.state === 'READY' && this.model !== undefined && !this.model.ready;
  }

  /** Why the runtime says it cannot serve now (see `outOfService`). */
  get outOfServiceReason(): string {
    const why = (this.model as { unavailableReason?: unknown } | undefined)?.unavailableReason;
    return typeof why === 'string' ? why : 'its runtime reports that it is not ready';
  }

  get name(): string {
    return this.settings.name;
  }

  get version(): string | undefined {
    return this.settings.parameters.version ?? undefined;
  }

  /**
   * Marks a request as using this slot; call the returned function when it ends. `abort` is
   * called if the slot is unloaded while the request still runs past the grace period.
   */
  acquire(abort?: (reason: UnavailableError) => void): () => void {
    this.inflight++;
    if (abort) this.aborts.add(abort);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (abort) this.aborts.delete(abort);
      this.inflight--;
      if (this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /** Number of requests using the slot now. */
  get activeRequests(): number {
    return this.inflight;
  }

  /** Resolves when no request uses the slot, or after `timeoutMs`; then aborts what is left. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.inflight > 0) {
      const reason = new UnavailableError(`model '${this.name}' was unloaded`);
      for (const abort of this.aborts) abort(reason);
    }
  }
}
