import type { InferenceRequest, InferenceResponse, TypedArray } from '../types.js';

/**
 * How tensors cross between the server thread and a worker (`postMessage` is a structured
 * clone). Three things a plain clone gets wrong are handled here:
 *
 * - a typed array that views part of a larger buffer (a tensor inside an HTTP body or a gRPC
 *   message) would carry the whole buffer: it is copied to a compact buffer, which is transferred;
 * - a typed array that owns its whole buffer is transferred rather than copied when the sender
 *   owns it — requests, which the server made for this call (like the ONNX runtime always did,
 *   the request's buffers are detached in the server thread); a runtime's responses are copied,
 *   since a runtime may return a buffer it keeps (a constant, a cache);
 * - a Node `Buffer` arrives as a plain `Uint8Array`: where one was (BYTES elements are often
 *   Buffers), the receiver makes it a Buffer again, so a runtime sees what it would see in the
 *   server thread.
 */

/** Where Node Buffers were: `[tensor index, element index]`, element -1 for the tensor's data itself. */
export interface PackedTensors {
  buffers: [number, number][];
}

/** A request or response with its typed arrays made ready to cross. */
export type Packed<T> = { value: T; tensors: PackedTensors };

interface Tensor {
  datatype?: unknown;
  data?: unknown;
}

/** A request ready to post to a worker, with the buffers to transfer. */
export function packRequest(request: InferenceRequest): {
  packed: Packed<InferenceRequest>;
  transfer: ArrayBuffer[];
} {
  const transfer = new Set<ArrayBuffer>();
  const { tensors, buffers } = packList(request.inputs, true, transfer);
  return {
    packed: { value: { ...request, inputs: tensors }, tensors: { buffers } },
    transfer: [...transfer],
  };
}

/** A response ready to post from a worker, with the buffers to transfer (compact copies only). */
export function packResponse(response: InferenceResponse): {
  packed: Packed<InferenceResponse>;
  transfer: ArrayBuffer[];
} {
  const transfer = new Set<ArrayBuffer>();
  const outputs = (response as { outputs?: unknown } | null | undefined)?.outputs;
  if (!Array.isArray(outputs)) return { packed: { value: response, tensors: { buffers: [] } }, transfer: [] };
  const { tensors, buffers } = packList(outputs as Tensor[], false, transfer);
  return {
    packed: {
      value: { ...response, outputs: tensors as InferenceResponse['outputs'] },
      tensors: { buffers },
    },
    transfer: [...transfer],
  };
}

/** The request a worker received, with its Buffers restored. */
export function unpackRequest(packed: Packed<InferenceRequest>): InferenceRequest {
  restoreBuffers(packed.value.inputs, packed.tensors);
  return packed.value;
}

/** The response the server thread received, with its Buffers restored. */
export function unpackResponse(packed: Packed<InferenceResponse>): InferenceResponse {
  const outputs = (packed.value as { outputs?: unknown } | null | undefined)?.outputs;
  if (Array.isArray(outputs)) restoreBuffers(outputs as Tensor[], packed.tensors);
  return packed.value;
}

function packList<T extends Tensor>(
  list: readonly T[],
  owned: boolean,
  transfer: Set<ArrayBuffer>,
): { tensors: T[]; buffers: [number, number][] } {
  const buffers: [number, number][] = [];
  const tensors = list.map((tensor, index) => {
    if (typeof tensor !== 'object' || tensor === null) return tensor;
    const { data } = tensor;
    if (ArrayBuffer.isView(data)) {
      if (Buffer.isBuffer(data)) buffers.push([index, -1]);
      const ready = prepare(data, owned, transfer);
      return ready === data ? tensor : { ...tensor, data: ready };
    }
    // Only BYTES lists hold typed arrays (one per element); numeric lists are left alone.
    if (tensor.datatype !== 'BYTES' || !Array.isArray(data)) return tensor;
    let copied: unknown[] | undefined;
    for (let i = 0; i < data.length; i++) {
      const element: unknown = data[i];
      if (!ArrayBuffer.isView(element)) continue;
      if (Buffer.isBuffer(element)) buffers.push([index, i]);
      const ready = prepare(element, owned, transfer);
      if (ready === element) continue;
      copied ??= [...data];
      copied[i] = ready;
    }
    return copied ? { ...tensor, data: copied } : tensor;
  });
  return { tensors, buffers };
}

/**
 * A view that owns its whole buffer is sent as it is (its buffer transferred when the sender
 * owns it); a view of part of a buffer is copied out, and the copy transferred.
 */
function prepare(view: ArrayBufferView, owned: boolean, transfer: Set<ArrayBuffer>): ArrayBufferView {
  if (!isArrayBuffer(view.buffer)) return view; // a SharedArrayBuffer is shared, not copied
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) {
    if (owned) transfer.add(view.buffer);
    return view;
  }
  const bytes = new Uint8Array(view.byteLength);
  bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  transfer.add(bytes.buffer);
  if (Buffer.isBuffer(view) || view instanceof Uint8Array) return bytes;
  if (view instanceof DataView) return new DataView(bytes.buffer);
  const Typed = view.constructor as new (buffer: ArrayBuffer) => TypedArray;
  return new Typed(bytes.buffer);
}

function restoreBuffers(list: readonly Tensor[], packed: PackedTensors): void {
  for (const [index, element] of packed.buffers) {
    const tensor = list[index];
    if (!tensor) continue;
    if (element < 0) {
      tensor.data = asBuffer(tensor.data);
    } else if (Array.isArray(tensor.data)) {
      tensor.data[element] = asBuffer(tensor.data[element]);
    }
  }
}

function asBuffer(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** True for an ArrayBuffer (not a SharedArrayBuffer), from any realm. */
function isArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]';
}
