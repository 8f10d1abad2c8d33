import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { decodeInferRequest } from './infer-request-decoder.js';
import { encodeInferResponse, encodeStreamInferResponse } from './infer-response-encoder.js';

/** The server side's message readers of the wire codec, by message name. */
const DESERIALIZERS: Readonly<Record<string, (bytes: Buffer) => unknown>> = {
  ModelInferRequest: decodeInferRequest,
};

/** The server side's message writers of the wire codec, by message name. */
const SERIALIZERS: Readonly<Record<string, (value: never) => Buffer>> = {
  ModelInferResponse: encodeInferResponse,
  ModelStreamInferResponse: encodeStreamInferResponse,
};

/** What proto-loader adds to a method definition: its messages' descriptors. */
interface LoadedMethod extends MethodDefinition<unknown, unknown> {
  requestType?: { type?: { name?: string } };
  responseType?: { type?: { name?: string } };
}

/**
 * `service` with the wire codec on its hot methods: wherever a method reads `ModelInferRequest`
 * or writes `ModelInferResponse` / `ModelStreamInferResponse` (`ModelInfer`, both flavours of
 * `ModelStreamInfer`), the server-side `requestDeserialize` / `responseSerialize` are the codec's.
 * Client-side functions and every other method keep proto-loader's.
 */
export function withWireCodec(service: ServiceDefinition): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service) as [string, LoadedMethod][]) {
    const deserialize = DESERIALIZERS[method.requestType?.type?.name ?? ''];
    const serialize = SERIALIZERS[method.responseType?.type?.name ?? ''];
    out[name] = {
      ...method,
      ...(deserialize ? { requestDeserialize: deserialize } : {}),
      ...(serialize ? { responseSerialize: serialize as (value: unknown) => Buffer } : {}),
    };
  }
  return out as ServiceDefinition;
}
