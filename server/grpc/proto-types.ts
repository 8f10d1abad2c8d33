import type { DECODED, DecodedPayload } from './codec/wire-request.js';

/**
 * The proto messages as `@grpc/proto-loader` hands them over (keepCase, longs as decimal
 * strings, bytes as Buffers, oneofs named). Only `grpc/` sees these shapes.
 */

/** `InferParameter`: one of the five choices is set; `parameter_choice` names it. */
export interface ProtoInferParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean;
  int64_param?: string | number | bigint;
  string_param?: string;
  double_param?: number;
  uint64_param?: string | number | bigint;
}

/** A parameter map. */
export type ProtoParameters = Record<string, ProtoInferParameter>;

/**
 * `InferTensorContents`: the elements in the field of their datatype. From proto-loader they are
 * lists; towards the wire codec numeric fields may also be typed arrays (see `dataToContents`).
 */
export interface ProtoTensorContents {
  bool_contents?: boolean[];
  int_contents?: ArrayLike<number>;
  int64_contents?: ArrayLike<string | number | bigint>;
  uint_contents?: ArrayLike<number>;
  uint64_contents?: ArrayLike<string | number | bigint>;
  fp32_contents?: ArrayLike<number>;
  fp64_contents?: ArrayLike<number>;
  bytes_contents?: Uint8Array[];
}

/** An input or output tensor. */
export interface ProtoTensor {
  name: string;
  datatype: string;
  shape: (string | number)[];
  parameters?: ProtoParameters;
  contents?: ProtoTensorContents | null;
}

/**
 * `ModelInferRequest`. From the wire codec (`codec/infer-request-decoder.ts`) only `model_name`,
 * `model_version` and `id` are set, and the decoded body is under `DECODED`.
 */
export interface ProtoInferRequest {
  [DECODED]?: DecodedPayload;
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: ProtoParameters;
  inputs?: ProtoTensor[];
  outputs?: { name: string; parameters?: ProtoParameters }[];
  raw_input_contents?: Uint8Array[];
}

/** `ModelInferResponse`. */
export interface ProtoInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: ProtoParameters;
  outputs: ProtoTensor[];
  raw_output_contents: Uint8Array[];
}

/** Triton's `ModelStreamInferResponse`. */
export interface ProtoStreamInferResponse {
  error_message: string;
  infer_response?: ProtoInferResponse;
}
