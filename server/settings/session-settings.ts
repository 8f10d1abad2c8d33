import type { Datatype } from '../types.js';
import { DATATYPES } from '../types.js';

/** A tensor value written in settings: a datatype, a shape, and its data (or one value to fill it). */
export interface SettingsTensor {
  datatype?: Datatype;
  shape: number[];
  /** Flat data, row-major; or leave it out and give `fill`. */
  data?: unknown[];
  /** Every element's value (default 0). */
  fill?: number;
}

/** One piece of server-held state: an output of each step fed back as an input of the next. */
export interface StateSettings {
  input: string;
  output: string;
  /** The input's value for a session's first step; null: the first request must carry it. */
  initial: SettingsTensor | null;
  /**
   * The axis of the input and output that holds the batch (default 0), where steps of several
   * sessions are batched together (`max_batch_size`): Silero VAD's state `[2, batch, 128]` has 1.
   */
  batch_axis: number;
}

/**
 * Context carried along an input's last axis: each step's input is prefixed with the last `size`
 * elements of the previous step's (zeros before the first), as streaming audio models that look
 * back a few samples need (Silero VAD v5: 64 samples before each 512-sample window).
 */
export interface ContextSettings {
  input: string;
  size: number;
}

/** An input the server fills when a request of a session leaves it out. */
export interface DefaultInputSettings extends SettingsTensor {
  name: string;
}

/** `session` in model-settings.json (mlserver-ts): how the model's stream sessions and sequences work. */
export interface SessionSettings {
  state: StateSettings[];
  context: ContextSettings[];
  defaults: DefaultInputSettings[];
  /** The input that binary WebSocket frames fill; null: the one input neither state nor default fills. */
  binary_input: string | null;
  /** Sessions (streams and sequences) of this model open at once; null: only the server's limit. */
  max_sessions: number | null;
}

const settingsTensor = {
  type: 'object',
  additionalProperties: false,
  required: ['shape'],
  properties: {
    datatype: { enum: [...DATATYPES] },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
    data: { type: 'array' },
    fill: { type: 'number' },
  },
};

/** JSON schema of `session`, with defaults. */
export const sessionSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    state: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['input', 'output'],
        properties: {
          input: { type: 'string', minLength: 1 },
          output: { type: 'string', minLength: 1 },
          initial: { ...settingsTensor, type: ['object', 'null'], default: null },
          batch_axis: { type: 'integer', minimum: 0, default: 0 },
        },
      },
    },
    context: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['input', 'size'],
        properties: { input: { type: 'string', minLength: 1 }, size: { type: 'integer', minimum: 1 } },
      },
    },
    defaults: {
      type: 'array',
      default: [],
      items: {
        ...settingsTensor,
        required: ['name', 'datatype', 'shape'],
        properties: { ...settingsTensor.properties, name: { type: 'string', minLength: 1 } },
      },
    },
    binary_input: { type: ['string', 'null'], default: null },
    max_sessions: { type: ['integer', 'null'], minimum: 1, default: null },
  },
};
