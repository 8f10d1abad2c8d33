import type { GrpcInferRequest } from './load/grpc-load.js';

/** A request for one bundled ONNX model, as REST JSON and as gRPC typed contents. */
export interface OnnxPayload {
  model: string;
  json: string;
  grpc: GrpcInferRequest;
}

const ones = Array.from({ length: 16 }, () => 1);
const oneToSixteen = Array.from({ length: 16 }, (_, i) => i + 1);

/** Triton's `simple`: two INT32 [1,16] inputs, their sum and difference out. */
export const SIMPLE: OnnxPayload = {
  model: 'simple',
  json: JSON.stringify({
    inputs: [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: oneToSixteen },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: ones },
    ],
  }),
  grpc: {
    model_name: 'simple',
    inputs: [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], contents: { int_contents: oneToSixteen } },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], contents: { int_contents: ones } },
    ],
  },
};

const silence = Array.from({ length: 512 }, () => 0);
const zeroState = Array.from({ length: 256 }, () => 0);

/** Silero VAD: one 512-sample window of silence at 16 kHz with a zero state; the speech probability out. */
export const SILERO_VAD: OnnxPayload = {
  model: 'silero-vad',
  json: JSON.stringify({
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [1, 512], data: silence },
      { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: zeroState },
      { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
    ],
    outputs: [{ name: 'output' }],
  }),
  grpc: {
    model_name: 'silero-vad',
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [1, 512], contents: { fp32_contents: silence } },
      { name: 'state', datatype: 'FP32', shape: [2, 1, 128], contents: { fp32_contents: zeroState } },
      { name: 'sr', datatype: 'INT64', shape: [], contents: { int64_contents: [16000] } },
    ],
  },
};

const irisRow = [5.1, 3.5, 1.4, 0.2];

/** The bundled iris classifier: one FP32 [1,4] sample; probabilities, label and class name out. */
export const IRIS: OnnxPayload = {
  model: 'iris-classifier',
  json: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: irisRow }] }),
  grpc: {
    model_name: 'iris-classifier',
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: irisRow } }],
  },
};
