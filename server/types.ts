/**
 * The Open Inference Protocol's request and response shapes, as runtimes see them.
 *
 * Field names are the wire's (`model_name`, `datatype`, …) so that a plain object in the
 * protocol's JSON shape is a valid value, and ports from MLServer stay mechanical.
 */

/** Every tensor datatype of the protocol. */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BF16',
  'BYTES',
] as const;

/** One of the protocol's tensor datatypes. */
export type Datatype = (typeof DATATYPES)[number];

/** Any of JavaScript's typed arrays: tensor data that never went through JSON. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Tensor data: a JSON-style list (flat or nested, row-major), or a typed array holding the
 * flat elements. BYTES elements are strings or `Uint8Array`s.
 */
export type TensorData = unknown[] | TypedArray;

/** Free-form parameters; a few keys have a meaning to the server. */
export interface Parameters {
  /** The MLServer codec the element was encoded with (`str`, `np`, `base64`, …). */
  content_type?: string;
  /** Request headers (on requests) or headers to send back (on responses). */
  headers?: Record<string, string>;
  [key: string]: unknown;
}

/** A tensor of an inference request. */
export interface RequestInput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data: TensorData;
}

/** An output the client asks for, by name. */
export interface RequestOutput {
  name: string;
  parameters?: Parameters;
}

/** An inference request, as a runtime receives it. */
export interface InferenceRequest {
  id?: string;
  parameters?: Parameters;
  inputs: RequestInput[];
  outputs?: RequestOutput[];
}

/** A tensor of an inference response. */
export interface ResponseOutput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  data: TensorData;
}

/** An inference response, as a runtime returns it. */
export interface InferenceResponse {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: ResponseOutput[];
}

/** A tensor's name, datatype and shape (-1 for a dynamic dimension). */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
  parameters?: Parameters;
}

/** `GET /v2/models/{name}`: what the model is and what it takes. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  parameters?: Parameters;
}

/** `GET /v2`: what the server is. */
export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}
