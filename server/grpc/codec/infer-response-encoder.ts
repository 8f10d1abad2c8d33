import type {
  ProtoInferParameter,
  ProtoInferResponse,
  ProtoParameters,
  ProtoStreamInferResponse,
  ProtoTensor,
  ProtoTensorContents,
} from '../proto-types.js';
import { bits, valueBits } from './int64.js';
import { int32Size, Plan, utf8Size, varint32Size, varint64Size, WireWriter } from './wire-writer.js';

/**
 * grpc-js' `responseSerialize` for `ModelInferResponse` and Triton's `ModelStreamInferResponse`:
 * writes the converters' response objects straight to bytes. The bytes are those protobufjs
 * writes for the same object through proto-loader (`fromObject` + `encode`: same field order,
 * the same coercions — `| 0`, `>>> 0`, `Number`, `Boolean`, `Long.fromValue` for 64-bit — and
 * fields present whenever the object has them, even when empty), with one addition: typed
 * contents may be typed arrays (FP32/FP64 arrays are copied in one block), so the converters need
 * not turn a runtime's output into a list first.
 */
export function encodeInferResponse(response: ProtoInferResponse): Buffer {
  const plan = new Plan();
  const writer = new WireWriter(sizeResponse(response, plan), plan);
  writeResponse(writer, response);
  return writer.finish();
}

/** `responseSerialize` for Triton's `ModelStreamInferResponse { error_message, infer_response }`. */
export function encodeStreamInferResponse(message: ProtoStreamInferResponse): Buffer {
  const plan = new Plan();
  let size = 0;
  const error = message.error_message;
  if (error != null) size += 1 + plan.delimited(utf8Size(String(error)));
  const inner = message.infer_response;
  if (inner != null) {
    checkObject(inner, 'infer_response');
    const slot = plan.reserve();
    size += 1 + plan.fill(slot, sizeResponse(inner, plan));
  }
  const writer = new WireWriter(size, plan);
  if (error != null) writeString(writer, 0x0a, String(error));
  if (inner != null) {
    writer.tag(0x12);
    writer.length();
    writeResponse(writer, inner);
  }
  return writer.finish();
}

// ---------------------------------------------------------------------------------------------
// Sizing: the same walk as writing, recording lengths in write order.

function sizeResponse(response: ProtoInferResponse, plan: Plan): number {
  let size = 0;
  size += sizeString(plan, response.model_name);
  size += sizeString(plan, response.model_version);
  size += sizeString(plan, response.id);
  size += sizeParameters(plan, response.parameters, 'parameters');
  const { outputs, raw_output_contents: raw } = response;
  if (outputs) {
    checkArray(outputs, 'outputs');
    for (const output of outputs) {
      checkObject(output, 'outputs');
      const slot = plan.reserve();
      size += 1 + plan.fill(slot, sizeTensor(output, plan));
    }
  }
  if (raw) {
    checkArray(raw, 'raw_output_contents');
    for (const bytes of raw) size += 1 + plan.delimited(checkBytes(bytes, 'raw_output_contents').byteLength);
  }
  return size;
}

function sizeString(plan: Plan, value: unknown): number {
  return value == null ? 0 : 1 + plan.delimited(utf8Size(String(value)));
}

function sizeParameters(plan: Plan, parameters: ProtoParameters | undefined, what: string): number {
  if (!parameters) return 0;
  checkObject(parameters, what);
  let size = 0;
  for (const key of Object.keys(parameters)) {
    const parameter = parameters[key];
    checkObject(parameter, `${what} value`);
    const entry = plan.reserve();
    const keySize = 1 + plan.delimited(utf8Size(key));
    const value = plan.reserve();
    const valueSize = 1 + plan.fill(value, sizeParameter(parameter!, plan));
    size += 1 + plan.fill(entry, keySize + valueSize);
  }
  return size;
}

function sizeParameter(parameter: ProtoInferParameter, plan: Plan): number {
  let size = 0;
  if (parameter.bool_param != null) size += 2;
  if (parameter.int64_param != null) {
    valueBits(parameter.int64_param, false);
    size += 1 + varint64Size(bits.lo, bits.hi);
  }
  if (parameter.string_param != null) size += 1 + plan.delimited(utf8Size(String(parameter.string_param)));
  if (parameter.double_param != null) size += 9;
  if (parameter.uint64_param != null) {
    valueBits(parameter.uint64_param, true);
    size += 1 + varint64Size(bits.lo, bits.hi);
  }
  return size;
}

function sizeTensor(tensor: ProtoTensor, plan: Plan): number {
  let size = sizeString(plan, tensor.name) + sizeString(plan, tensor.datatype);
  const { shape, contents } = tensor;
  if (shape) {
    checkArray(shape, 'shape');
    if (shape.length > 0) size += 1 + plan.delimited(sizeLongs(shape, false, plan));
  }
  size += sizeParameters(plan, tensor.parameters, 'outputs.parameters');
  if (contents != null) {
    checkObject(contents, 'contents');
    const slot = plan.reserve();
    size += 1 + plan.fill(slot, sizeContents(contents, plan));
  }
  return size;
}

/** Packed 64-bit values: converts them once, keeping the halves for the writer. */
function sizeLongs(values: ArrayLike<unknown>, unsigned: boolean, plan: Plan): number {
  const n = values.length;
  let halves: Uint32Array;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    halves = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  } else {
    halves = new Uint32Array(n * 2);
    for (let i = 0; i < n; i++) {
      valueBits(values[i], unsigned);
      halves[2 * i] = bits.lo;
      halves[2 * i + 1] = bits.hi;
    }
  }
  plan.halves.push(halves);
  let size = 0;
  for (let i = 0; i < n; i++) size += varint64Size(halves[2 * i]!, halves[2 * i + 1]!);
  return size;
}

function sizeContents(contents: ProtoTensorContents, plan: Plan): number {
  let size = 0;
  const { bool_contents, int_contents, int64_contents, uint_contents, uint64_contents } = contents;
  if (present(bool_contents, 'bool_contents')) size += 1 + plan.delimited(bool_contents.length);
  if (present(int_contents, 'int_contents')) {
    let bytes = 0;
    for (let i = 0; i < int_contents.length; i++) bytes += int32Size(int_contents[i]! | 0);
    size += 1 + plan.delimited(bytes);
  }
  if (present(int64_contents, 'int64_contents'))
    size += 1 + plan.delimited(sizeLongs(int64_contents, false, plan));
  if (present(uint_contents, 'uint_contents')) {
    let bytes = 0;
    for (let i = 0; i < uint_contents.length; i++) bytes += varint32Size(uint_contents[i]! >>> 0);
    size += 1 + plan.delimited(bytes);
  }
  if (present(uint64_contents, 'uint64_contents'))
    size += 1 + plan.delimited(sizeLongs(uint64_contents, true, plan));
  if (present(contents.fp32_contents, 'fp32_contents'))
    size += 1 + plan.delimited(4 * contents.fp32_contents.length);
  if (present(contents.fp64_contents, 'fp64_contents'))
    size += 1 + plan.delimited(8 * contents.fp64_contents.length);
  const bytes = contents.bytes_contents;
  if (present(bytes, 'bytes_contents')) {
    for (let i = 0; i < bytes.length; i++)
      size += 1 + plan.delimited(checkBytes(bytes[i], 'bytes_contents').byteLength);
  }
  return size;
}

// ---------------------------------------------------------------------------------------------
// Writing.

function writeResponse(writer: WireWriter, response: ProtoInferResponse): void {
  if (response.model_name != null) writeString(writer, 0x0a, String(response.model_name));
  if (response.model_version != null) writeString(writer, 0x12, String(response.model_version));
  if (response.id != null) writeString(writer, 0x1a, String(response.id));
  writeParameters(writer, 0x22, response.parameters);
  if (response.outputs) {
    for (const output of response.outputs) {
      writer.tag(0x2a);
      writer.length();
      writeTensor(writer, output);
    }
  }
  if (response.raw_output_contents) {
    for (const bytes of response.raw_output_contents) {
      writer.tag(0x32);
      writer.length();
      writer.bytes(toBytes(bytes));
    }
  }
}

function writeString(writer: WireWriter, tag: number, text: string): void {
  writer.tag(tag);
  writer.string(text, writer.length());
}

function writeParameters(writer: WireWriter, tag: number, parameters: ProtoParameters | undefined): void {
  if (!parameters) return;
  for (const key of Object.keys(parameters)) {
    writer.tag(tag);
    writer.length();
    writeString(writer, 0x0a, key);
    writer.tag(0x12);
    writer.length();
    const parameter = parameters[key]!;
    if (parameter.bool_param != null) {
      writer.tag(0x08);
      writer.tag(parameter.bool_param ? 1 : 0);
    }
    if (parameter.int64_param != null) {
      valueBits(parameter.int64_param, false);
      writer.tag(0x10);
      writer.varint64(bits.lo, bits.hi);
    }
    if (parameter.string_param != null) writeString(writer, 0x1a, String(parameter.string_param));
    if (parameter.double_param != null) {
      writer.tag(0x21);
      writer.double(Number(parameter.double_param));
    }
    if (parameter.uint64_param != null) {
      valueBits(parameter.uint64_param, true);
      writer.tag(0x28);
      writer.varint64(bits.lo, bits.hi);
    }
  }
}

function writeTensor(writer: WireWriter, tensor: ProtoTensor): void {
  if (tensor.name != null) writeString(writer, 0x0a, String(tensor.name));
  if (tensor.datatype != null) writeString(writer, 0x12, String(tensor.datatype));
  if (tensor.shape && tensor.shape.length > 0) {
    writer.tag(0x1a);
    writer.length();
    writeLongs(writer, tensor.shape.length);
  }
  writeParameters(writer, 0x22, tensor.parameters);
  if (tensor.contents != null) {
    writer.tag(0x2a);
    writer.length();
    writeContents(writer, tensor.contents);
  }
}

function writeLongs(writer: WireWriter, count: number): void {
  const halves = writer.halves();
  for (let i = 0; i < count; i++) writer.varint64(halves[2 * i]!, halves[2 * i + 1]!);
}

function writeContents(writer: WireWriter, contents: ProtoTensorContents): void {
  const { bool_contents, int_contents, int64_contents, uint_contents, uint64_contents } = contents;
  if (bool_contents && bool_contents.length > 0) {
    writer.tag(0x0a);
    writer.length();
    for (let i = 0; i < bool_contents.length; i++) writer.tag(bool_contents[i] ? 1 : 0);
  }
  if (int_contents && int_contents.length > 0) {
    writer.tag(0x12);
    writer.length();
    for (let i = 0; i < int_contents.length; i++) writer.int32(int_contents[i]! | 0);
  }
  if (int64_contents && int64_contents.length > 0) {
    writer.tag(0x1a);
    writer.length();
    writeLongs(writer, int64_contents.length);
  }
  if (uint_contents && uint_contents.length > 0) {
    writer.tag(0x22);
    writer.length();
    for (let i = 0; i < uint_contents.length; i++) writer.varint32(uint_contents[i]! >>> 0);
  }
  if (uint64_contents && uint64_contents.length > 0) {
    writer.tag(0x2a);
    writer.length();
    writeLongs(writer, uint64_contents.length);
  }
  const fp32 = contents.fp32_contents;
  if (fp32 && fp32.length > 0) {
    writer.tag(0x32);
    writer.length();
    if (fp32 instanceof Float32Array)
      writer.bytes(new Uint8Array(fp32.buffer, fp32.byteOffset, fp32.byteLength));
    else for (let i = 0; i < fp32.length; i++) writer.float(Number(fp32[i]));
  }
  const fp64 = contents.fp64_contents;
  if (fp64 && fp64.length > 0) {
    writer.tag(0x3a);
    writer.length();
    if (fp64 instanceof Float64Array)
      writer.bytes(new Uint8Array(fp64.buffer, fp64.byteOffset, fp64.byteLength));
    else for (let i = 0; i < fp64.length; i++) writer.double(Number(fp64[i]));
  }
  const bytes = contents.bytes_contents;
  if (bytes && bytes.length > 0) {
    for (let i = 0; i < bytes.length; i++) {
      writer.tag(0x42);
      writer.length();
      writer.bytes(toBytes(bytes[i]));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The checks protobufjs' fromObject makes (a failure is grpc-js' INTERNAL "Error serializing").

function present<T extends ArrayLike<unknown>>(value: T | undefined | null, what: string): value is T {
  if (!value) return false;
  if (typeof value !== 'object' || typeof value.length !== 'number')
    throw new TypeError(`${what}: array expected`);
  return value.length > 0;
}

function checkArray(value: unknown, what: string): void {
  if (!Array.isArray(value)) throw new TypeError(`${what}: array expected`);
}

function checkObject(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${what}: object expected`);
}

/** A bytes element: a byte array, or a base64 string (as protobufjs' fromObject takes it). */
function checkBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  throw new TypeError(`${what}: bytes expected`);
}

function toBytes(value: unknown): Uint8Array {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : (value as Uint8Array);
}
