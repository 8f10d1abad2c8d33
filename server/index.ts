/**
 * mlserver-ts's public entry: what runtime authors and embedders import.
 *
 * ```ts
 * import { MLModel, StringCodec } from 'mlserver-ts';
 * ```
 */
export { MLModel, type MLModelClass, type ModelCapabilities } from './model.js';
export { shapeFits } from './input-contract.js';
export type { InferenceContext } from './context.js';
export {
  type CustomMetric,
  type CustomMetricOptions,
  type CustomMetricType,
  customMetrics as metrics,
  type MetricModel,
} from './metrics/custom-metrics.js';
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
export type { InputCodec, RequestCodec } from './codecs/codec.js';
export { Base64Codec } from './codecs/base64-codec.js';
export { BytesCodec } from './codecs/bytes-codec.js';
export { DatetimeCodec } from './codecs/datetime-codec.js';
export { PandasCodec, type Columns, type Records } from './codecs/pandas-codec.js';
export {
  NumpyCodec,
  findInputCodec,
  findRequestCodec,
  registerInputCodec,
  registerRequestCodec,
} from './codecs/codec-registry.js';
export { decodeRequest, encodeResponse } from './codecs/request-codecs.js';
export { decodeInputValue } from './codecs/request-decoding.js';
export { decodeRawTensor, encodeRawTensor } from './codecs/raw-tensor.js';
export { fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from './codecs/float16.js';
export { TensorCodec, toTypedArray } from './codecs/tensor-codec.js';
export { DATATYPE_INFO, elementCount } from './codecs/datatypes.js';
export type { ModelSettings, ModelParameters } from './settings/model-settings.js';
export type { ServerSettings } from './settings/server-settings.js';
