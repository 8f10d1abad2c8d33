/**
 * mlserver-ts's public entry: what runtime authors and embedders import.
 *
 * ```ts
 * import { MLModel, StringCodec } from 'mlserver-ts';
 * ```
 */
export { MLModel, type MLModelClass } from './model.js';
export type { InferenceContext } from './context.js';
export type {
  Datatype,
  InferenceRequest,
  InferenceResponse,
  ModelMetadata,
  Parameters,
  RequestInput,
  RequestOutput,
  ResponseOutput,
  ServerMetadata,
  TensorData,
  TensorMetadata,
  TypedArray,
} from './types.js';
export { DATATYPES } from './types.js';
export * from './errors.js';
export { StringCodec } from './codecs/string-codec.js';
export { TensorCodec, toTypedArray } from './codecs/tensor-codec.js';
export { DATATYPE_INFO, elementCount } from './codecs/datatypes.js';
export type { ModelSettings, ModelParameters } from './settings/model-settings.js';
export type { ServerSettings } from './settings/server-settings.js';
