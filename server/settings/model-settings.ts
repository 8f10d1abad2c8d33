import path from 'node:path';
import type { SchemaObject } from 'ajv';
import type { TensorMetadata } from '../types.js';
import { DATATYPES } from '../types.js';
import { compileSettingsValidator, type UnbuiltFeature } from './schema-validator.js';
import { type SessionSettings, sessionSettingsSchema } from './session-settings.js';

/** `parameters` of a model's settings. */
export interface ModelParameters {
  /** Where the model's artefact is, relative to the model folder once loaded. */
  uri: string | null;
  version: string | null;
  environment_tarball: string | null;
  environment_path: string | null;
  format: string | null;
  content_type: string | null;
  /** Runtime-specific options. */
  extra: Record<string, unknown>;
}

/** A model's settings (`model-settings.json`), after defaults. */
export interface ModelSettings {
  name: string;
  implementation: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** Worker threads of its own the model runs in (0: the server thread; null: the server's setting). */
  parallel_workers: number | null;
  warm_workers: boolean;
  max_batch_size: number;
  max_batch_time: number;
  /** mlserver-ts: requests that may wait in this model's execution stage (null: the server's `max_queue_size`). */
  max_queue_size: number | null;
  cache_enabled: boolean;
  /** mlserver-ts: seconds a unary inference of this model may take (null: the server's `inference_timeout`). */
  inference_timeout: number | null;
  /** mlserver-ts: whether requests are held to the declared `inputs` (default true). */
  strict_inputs: boolean;
  /** mlserver-ts: stream sessions and sequences (server-held state, defaults, binary frames, limits). */
  session: SessionSettings;
  parameters: ModelParameters;
  /** The folder the settings file was found in (not a settings field: set by the repository). */
  readonly folder: string;
  /** The settings file itself (not a settings field: set by the repository). */
  readonly source: string;
}

const tensorMetadata = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string' },
    datatype: { enum: [...DATATYPES] },
    shape: { type: 'array', items: { type: 'integer', minimum: -1 } },
    parameters: { type: 'object' },
  },
};

const nullableString = { type: ['string', 'null'], default: null };

/** JSON schema of `model-settings.json`: MLServer's fields, with defaults. */
export const modelSettingsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'implementation'],
  properties: {
    name: { type: 'string', minLength: 1, pattern: '^[^/?#\\s]+$' },
    implementation: { type: 'string', minLength: 1 },
    versions: { type: 'array', items: { type: 'string' }, default: [] },
    platform: { type: 'string', default: '' },
    inputs: { type: 'array', items: tensorMetadata, default: [] },
    outputs: { type: 'array', items: tensorMetadata, default: [] },
    parallel_workers: { type: ['integer', 'null'], minimum: 0, maximum: 64, default: null },
    warm_workers: { type: 'boolean', default: false },
    max_batch_size: { type: 'integer', minimum: 0, default: 0 },
    max_batch_time: { type: 'number', minimum: 0, default: 0 },
    max_queue_size: { type: ['integer', 'null'], minimum: 1, default: null },
    cache_enabled: { type: 'boolean', default: false },
    strict_inputs: { type: 'boolean', default: true },
    inference_timeout: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
    session: sessionSettingsSchema,
    parameters: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        uri: nullableString,
        version: nullableString,
        environment_tarball: nullableString,
        environment_path: nullableString,
        format: nullableString,
        content_type: nullableString,
        extra: { type: 'object', default: {} },
      },
    },
    folder: { type: 'string' },
    source: { type: 'string' },
  },
};

/** Model fields whose feature is not built yet: only their "off" value loads. */
export const unbuiltModelFeatures: readonly UnbuiltFeature[] = [
  { field: 'warm_workers', off: [false], why: 'there are no worker processes' },
  { field: 'cache_enabled', off: [false], why: 'there is no response cache' },
  { field: 'parameters.environment_tarball', off: [null], why: 'there are no Python environments' },
  { field: 'parameters.environment_path', off: [null], why: 'there are no Python environments' },
];

/** Validates `model-settings.json` content (defaults applied, frozen). */
export const modelSettingsValidator = compileSettingsValidator<ModelSettings>(
  modelSettingsSchema,
  unbuiltModelFeatures,
);

/** Minimal valid settings standing for a model whose settings file could not be read. */
export function placeholderSettings(name: string, file: string): ModelSettings {
  return modelSettingsValidator.validate(
    { name, implementation: '(invalid model-settings.json)', folder: path.dirname(file), source: file },
    file,
  );
}
