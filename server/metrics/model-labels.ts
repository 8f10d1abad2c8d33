import type { ModelRef } from '../model-ref.js';

/** The label value of a model name or version the server does not know. */
export const UNKNOWN_MODEL = '_unknown';

/**
 * Resolves a model a call named to the version label of the model the server knows, or
 * undefined for a name (or version) it does not know.
 */
export type ModelResolver = (name: string, version: string | undefined) => string | undefined;

/** `model` and `version` label values. */
export interface ModelLabelValues {
  model: string;
  version: string;
}

const UNKNOWN: ModelLabelValues = { model: UNKNOWN_MODEL, version: UNKNOWN_MODEL };

/**
 * Model label values bounded to the models the server knows (those in its repository, loaded
 * or not): a name a client made up is `_unknown`, never a label value of its own, so a flood of
 * requests for made-up models cannot grow the metrics. A version left out is the default
 * version's label (`""` for an unversioned model). Known models are remembered.
 */
export class ModelLabels {
  private readonly known = new Map<string, ModelLabelValues>();

  constructor(private readonly resolve: ModelResolver) {}

  of(ref: ModelRef | undefined): ModelLabelValues {
    if (!ref) return UNKNOWN;
    const key = `${ref.name}\0${ref.version ?? ''}`;
    const cached = this.known.get(key);
    if (cached) return cached;
    const version = this.resolve(ref.name, ref.version || undefined);
    if (version === undefined) return UNKNOWN;
    const values = { model: ref.name, version };
    this.known.set(key, values);
    return values;
  }
}
