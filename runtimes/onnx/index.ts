/**
 * The built-in ONNX runtime. The server imports this module only when a model's settings say
 * `"implementation": "onnx"`, so onnxruntime-node costs nothing otherwise.
 */
export { OnnxModel, ONNX_PLATFORM } from './onnx-model.js';
export { ORT_TO_DATATYPE, DATATYPE_TO_ORT, type OrtElementType } from './element-types.js';
export type { OnnxOptions } from './options.js';
