import {
  CancelledError,
  DeadlineExceededError,
  InferenceServerError,
  InternalError,
  InvalidInputError,
  NotFoundError,
} from '../../server/errors.js';
import {
  packRequest,
  packResponse,
  unpackRequest,
  unpackResponse,
} from '../../server/workers/tensor-transfer.js';
import { fromWireError, serverErrorFromWire, toWireError } from '../../server/workers/wire-error.js';
import type { InferenceRequest, InferenceResponse } from '../../server/types.js';

/** What `postMessage` does to a message: a structured clone, transferring `transfer`. */
function cross<T>(value: T, transfer: ArrayBuffer[]): T {
  return structuredClone(value, { transfer });
}

describe('errors across the thread boundary', () => {
  class BadAudioError extends InvalidInputError {}

  test('a server error keeps its class, code, name and message', () => {
    const back = fromWireError(structuredClone(toWireError(new BadAudioError('16 kHz only'))));
    expect(back).toBeInstanceOf(InvalidInputError);
    expect((back as InferenceServerError).code).toBe('invalid_argument');
    expect(back.name).toBe('BadAudioError');
    expect(back.message).toBe('16 kHz only');
    expect(fromWireError(toWireError(new NotFoundError('no voice')))).toBeInstanceOf(NotFoundError);
    expect(fromWireError(toWireError(new DeadlineExceededError('late')))).toBeInstanceOf(
      DeadlineExceededError,
    );
  });

  test('anything else becomes a 500 worded as in the server thread', () => {
    const plain = serverErrorFromWire(toWireError(new TypeError('x is undefined')));
    expect(plain).toBeInstanceOf(InternalError);
    expect(plain.message).toBe(
      InferenceServerError.from(new TypeError('x is undefined'), 'model error').message,
    );
    expect(serverErrorFromWire(toWireError('a string')).message).toBe('model error: a string');
    const abort = serverErrorFromWire(toWireError(new DOMException('stop', 'AbortError')));
    expect(abort).toBeInstanceOf(CancelledError);
  });

  test("the other thread's stack is kept for the logs", () => {
    const error = new InvalidInputError('bad');
    expect(fromWireError(toWireError(error)).stack).toBe(error.stack);
  });
});

describe('tensors across the thread boundary', () => {
  test("a request's whole-buffer typed arrays are transferred, not copied", () => {
    const data = Float32Array.from([1, 2, 3]);
    const request: InferenceRequest = { inputs: [{ name: 'x', datatype: 'FP32', shape: [3], data }] };
    const { packed, transfer } = packRequest(request);
    expect(transfer).toEqual([data.buffer]);
    const received = unpackRequest(cross(packed, transfer));
    expect(Array.from(received.inputs[0]!.data as Float32Array)).toEqual([1, 2, 3]);
    expect(data.buffer.byteLength).toBe(0); // detached in the sender
  });

  test('a view into a larger buffer (an HTTP body) is copied out alone; the body stays', () => {
    const body = Buffer.alloc(1 << 20, 7);
    const view = new Int16Array(body.buffer, body.byteOffset + 64, 4);
    const request: InferenceRequest = { inputs: [{ name: 'x', datatype: 'INT16', shape: [4], data: view }] };
    const { packed, transfer } = packRequest(request);
    expect(transfer.map((b) => b.byteLength)).toEqual([8]);
    const received = unpackRequest(cross(packed, transfer));
    expect(received.inputs[0]!.data.constructor.name).toBe('Int16Array');
    expect(Array.from(received.inputs[0]!.data as Int16Array)).toEqual(Array.from(view));
    expect(body.byteLength).toBe(1 << 20);
  });

  test('Buffers stay Buffers, as data and as BYTES elements', () => {
    const slab = Buffer.from('xxhelloxxworld');
    const request: InferenceRequest = {
      inputs: [
        { name: 'b', datatype: 'BYTES', shape: [2], data: [slab.subarray(2, 7), slab.subarray(9)] },
        { name: 'u', datatype: 'UINT8', shape: [3], data: Buffer.from([1, 2, 3]) },
        { name: 's', datatype: 'BYTES', shape: [1], data: ['text'] },
      ],
    };
    const { packed, transfer } = packRequest(request);
    const received = unpackRequest(cross(packed, transfer));
    const [b, u, s] = received.inputs;
    expect((b!.data as Buffer[]).map((e) => Buffer.isBuffer(e) && e.toString())).toEqual(['hello', 'world']);
    expect(Buffer.isBuffer(u!.data)).toBe(true);
    expect(s!.data).toEqual(['text']);
  });

  test("a runtime's response buffers are copied, so a runtime may keep returning them", () => {
    const constant = Float64Array.from([0.5, 0.25]);
    const response: InferenceResponse = {
      model_name: 'm',
      outputs: [
        { name: 'y', datatype: 'FP64', shape: [2], data: constant },
        { name: 'big', datatype: 'INT64', shape: [1], data: BigInt64Array.from([2n ** 62n]) },
      ],
    };
    const { packed, transfer } = packResponse(response);
    expect(transfer).toEqual([]);
    const received = unpackResponse(cross(packed, transfer));
    expect(Array.from(received.outputs[0]!.data as Float64Array)).toEqual([0.5, 0.25]);
    expect(Array.from(received.outputs[1]!.data as BigInt64Array)).toEqual([2n ** 62n]);
    expect(constant.length).toBe(2);
  });

  test('a response that is not an object with outputs crosses as it is (the core reports it)', () => {
    const { packed } = packResponse(undefined as unknown as InferenceResponse);
    expect(unpackResponse(cross(packed, []))).toBeUndefined();
  });
});
