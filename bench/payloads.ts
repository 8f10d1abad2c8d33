import type { GrpcInferRequest } from './load/grpc-load.js';

/** 0, 1, …, 15: the FP32 [1,16] tensor MLServer was measured with. */
export const SIXTEEN = Array.from({ length: 16 }, (_, i) => i);

/** The REST body of the issue: `{"inputs":[{"name":"INPUT0","shape":[1,16],"datatype":"FP32","data":[0,…,15]}]}`. */
export const IDENTITY_BODY = JSON.stringify({
  inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'FP32', data: SIXTEEN }],
});

/** The same tensor as a gRPC request with typed contents (`fp32_contents`). */
export function typedRequest(model: string): GrpcInferRequest {
  return {
    model_name: model,
    inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 16], contents: { fp32_contents: SIXTEEN } }],
  };
}

/** The same tensor as a gRPC request with raw contents (little-endian bytes in `raw_input_contents`). */
export function rawRequest(
  model: string,
  values: Float32Array = Float32Array.from(SIXTEEN),
): GrpcInferRequest {
  return {
    model_name: model,
    inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, values.length] }],
    raw_input_contents: [Buffer.from(values.buffer, values.byteOffset, values.byteLength)],
  };
}

/** A large FP32 tensor of `bytes` bytes; values are exact in FP32 and short in JSON (0, 0.25, … 249.75). */
export function largeTensor(bytes: number): Float32Array {
  const values = new Float32Array(bytes / 4);
  for (let i = 0; i < values.length; i++) values[i] = (i % 1000) / 4;
  return values;
}

/** A JSON REST body for a large tensor. */
export function largeJsonBody(values: Float32Array): string {
  const header = `{"inputs":[{"name":"INPUT0","shape":[1,${values.length}],"datatype":"FP32","data":[`;
  // Array.prototype.join on a typed array writes the numbers' shortest JSON form.
  return `${header}${values.join(',')}]}]}`;
}

/**
 * A binary-tensor REST body (Triton's `binary_tensor_data` extension): a JSON header whose input
 * names its byte size, then the raw bytes. Send with `Inference-Header-Content-Length: headerLength`.
 */
export function binaryBody(values: Float32Array): { body: Buffer; headerLength: number } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: 'INPUT0',
          shape: [1, values.length],
          datatype: 'FP32',
          parameters: { binary_data_size: values.byteLength },
        },
      ],
      outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }],
    }),
  );
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return { body: Buffer.concat([header, bytes]), headerLength: header.length };
}
