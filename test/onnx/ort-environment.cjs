/**
 * Jest's node environment with the host realm's typed arrays. Jest runs each test file in its own
 * V8 context, so a `Float32Array` made in a test is not `instanceof` the `Float32Array` that
 * onnxruntime-node's native binding creates, and onnxruntime's tensor checks reject one or the
 * other. Test files that talk to onnxruntime-node directly opt in with
 * `@jest-environment ./test/onnx/ort-environment.cjs`.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
