import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { OrtElementType } from './element-types.js';
import type { WireRunError, WireSessionOptions, WireSignature, WireTensor, WireValueInfo } from './wire.js';

/**
 * The part that touches onnxruntime: create a session, describe it, run it on wire tensors.
 * Both the worker threads and the in-process mode (`workers: 0`) use it, so they behave alike.
 */

/** Opens a session on a model file. */
export async function createSession(
  file: string,
  options: WireSessionOptions,
): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimizationLevel,
    executionProviders: options.executionProviders,
    logSeverityLevel: options.logSeverityLevel,
  };
  if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
  if (options.interOpNumThreads !== undefined) sessionOptions.interOpNumThreads = options.interOpNumThreads;
  return ort.InferenceSession.create(file, sessionOptions);
}

/** The session's inputs and outputs as plain, cloneable objects. */
export function describeSession(session: ort.InferenceSession): WireSignature {
  return {
    inputs: session.inputMetadata.map(describeValue),
    outputs: session.outputMetadata.map(describeValue),
  };
}

function describeValue(meta: ort.InferenceSession.ValueMetadata): WireValueInfo {
  if (!meta.isTensor) return { name: meta.name, type: undefined, shape: [] };
  const shape = meta.shape.map((dim) =>
    typeof dim === 'number' && dim >= 0 ? dim : dim === '' ? null : String(dim),
  );
  return { name: meta.name, type: String(meta.type), shape };
}

/**
 * The execution providers this installation of onnxruntime-node can use: those built into its
 * binary, plus those whose provider library was installed next to it (CUDA when its install
 * script downloaded it; `.npmrc` skips that download).
 */
export function availableProviders(): string[] {
  const bindingDir = path.dirname(
    createRequire(import.meta.url).resolve(
      `onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
    ),
  );
  return ort
    .listSupportedBackends()
    .filter((backend) => backend.bundled || existsSync(path.join(bindingDir, providerLibrary(backend.name))))
    .map((backend) => backend.name);
}

function providerLibrary(name: string): string {
  const extension = process.platform === 'win32' ? 'dll' : process.platform === 'darwin' ? 'dylib' : 'so';
  const prefix = process.platform === 'win32' ? '' : 'lib';
  return `${prefix}onnxruntime_providers_${name}.${extension}`;
}

/** Runs the session; outputs in the order of `fetches`. */
export async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, WireTensor>,
  fetches: string[],
): Promise<Record<string, WireTensor>> {
  // Null prototypes: tensor names are arbitrary, `__proto__` included.
  const ortFeeds: Record<string, ort.Tensor> = Object.create(null);
  for (const [name, tensor] of Object.entries(feeds)) {
    ortFeeds[name] = new ort.Tensor(tensor.type, tensor.data as ort.Tensor.DataType, tensor.dims);
  }
  const results = await session.run(ortFeeds, fetches);
  const outputs: Record<string, WireTensor> = Object.create(null);
  for (const name of fetches) {
    const value = results[name];
    if (!(value instanceof ort.Tensor)) throw new Error(`output '${name}' is not a tensor`);
    outputs[name] = { type: value.type as OrtElementType, dims: [...value.dims], data: ownData(value) };
  }
  return outputs;
}

/** The tensor's data in a buffer of its own, so it can be transferred without copying again. */
function ownData(tensor: ort.Tensor): ArrayBufferView | string[] {
  const data = tensor.data as ArrayBufferView | string[];
  if (Array.isArray(data)) return data;
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data;
  const Ctor = data.constructor as new (buffer: ArrayBufferLike) => ArrayBufferView;
  return new Ctor(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/**
 * Sorts an onnxruntime failure into one caused by the request (400) or not (500). The runtime
 * checks names, datatypes and declared shapes before running, so what onnxruntime still rejects
 * is what those checks cannot see: its own feed checks (INVALID_ARGUMENT, rank, dimensions) and
 * a node failing on the values or dynamic sizes it was fed ("Non-zero status code returned while
 * running <op> node"), for example a broadcast of incompatible sizes. Anything else (out of
 * memory, a failed kernel launch, a runtime bug) is a 500.
 */
export function classifyRunError(err: unknown): WireRunError {
  const message = err instanceof Error ? err.message : String(err);
  const input =
    /INVALID_ARGUMENT|Invalid rank|Got invalid dimensions|Unexpected input data type|invalid input|is missing in 'feeds'|Non-zero status code returned while running/i.test(
      message,
    ) && !/out of memory|bad_alloc|CUDA failure|CUDNN failure/i.test(message);
  return { kind: input ? 'input' : 'internal', message };
}
