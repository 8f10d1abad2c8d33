import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport } from '../call.js';
import type { DataPlane, ModelRef } from '../dataplane.js';
import { InferenceServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { takeResponseHeaders } from '../response-headers.js';
import type { InferenceRequest } from '../types.js';
import { binaryOutputSelector, encodeBinaryResponse, HEADER_LENGTH } from '../wire/binary-extension.js';
import type { JsonRequestOptions } from '../wire/json-request.js';
import { toJsonResponse } from '../wire/json-response.js';
import { startCall } from './client-call.js';
import { decodeInferenceBody } from './inference-body.js';
import { sendInferenceJson } from './json-reply.js';
import { SseWriter } from './sse-writer.js';

/** One dataplane request as the REST app and the fast path hand it to the handlers. */
export interface InferenceExchange {
  req: IncomingMessage;
  res: ServerResponse;
  ref: ModelRef;
  /** `POST <route template>`, for logs and metrics. */
  operation: string;
  /** The body's bytes (read by `readInferenceBody`). */
  body: Buffer;
}

/** A dataplane handler; it throws what must be answered with a status. */
export type InferenceHandler = (exchange: InferenceExchange) => Promise<void>;

/** What the inference handlers need. */
export interface InferenceHandlerOptions {
  dataplane: DataPlane;
  logger: Logger;
  /** Limits of JSON tensor decoding. */
  json: JsonRequestOptions;
}

/**
 * The one set of dataplane handlers, on Node's request and response: `unary` answers `infer` /
 * `generate` (JSON, or Triton's binary tensor extension), `stream` answers `infer_stream` /
 * `generate_stream` with Server-Sent Events.
 */
export function inferenceHandlers(options: InferenceHandlerOptions): {
  unary: InferenceHandler;
  stream: InferenceHandler;
} {
  const { dataplane, logger } = options;

  /**
   * The request's body decoded; a body that cannot be decoded still counts as a failed call of
   * the model it addressed (metrics, access log), then goes on to the error answer.
   */
  const readRequest = async (exchange: InferenceExchange, transport: Transport) => {
    const { req, res, ref } = exchange;
    try {
      return await decodeInferenceBody(exchange.body, req.headers, dataplane, ref, options.json);
    } catch (err) {
      const call = startCall(dataplane, transport, exchange.operation, req, res, undefined);
      call.model = ref;
      call.kind = transport === 'sse' ? 'session' : 'unary';
      call.failed(InferenceServerError.from(err));
      throw err;
    }
  };

  const unary = async (exchange: InferenceExchange): Promise<void> => {
    const { req, res, ref } = exchange;
    const body = await readRequest(exchange, 'rest');
    const call = startCall(dataplane, 'rest', exchange.operation, req, res, bodyId(body));
    const result = await dataplane.infer(ref, body, call);
    const { response, headers } = takeResponseHeaders(result);
    for (const name in headers) res.setHeader(name, headers[name]!);
    const binary = encodeBinaryResponse(response, binaryOutputSelector(asRequest(body)), toJsonResponse);
    if (!binary) {
      sendInferenceJson(res, response);
      return;
    }
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(binary.byteLength));
    res.setHeader(HEADER_LENGTH, String(binary.header.byteLength));
    res.write(binary.header);
    for (const blob of binary.blobs) res.write(blob);
    res.end();
  };

  const stream = async (exchange: InferenceExchange): Promise<void> => {
    const { req, res, ref } = exchange;
    const body = await readRequest(exchange, 'sse');
    const call = startCall(dataplane, 'sse', exchange.operation, req, res, bodyId(body));
    // Unknown model, model not ready, an invalid request and a failure before the first response
    // are answered with a status; the first response's headers become the stream's HTTP headers.
    const session = dataplane.openSession(ref, call);
    const outputs = session.responses[Symbol.asyncIterator]();
    let sse: SseWriter | undefined;
    try {
      await session.send(body);
      session.end();
      let next = await outputs.next();
      if (!next.done && next.value.error) throw next.value.error;
      const first = next.done ? undefined : next.value.response;
      sse = SseWriter.open(res, first ? takeResponseHeaders(first).headers : {});
      while (!next.done) {
        if (next.value.error) throw next.value.error;
        const { response } = takeResponseHeaders(next.value.response);
        await sse.send(JSON.stringify(toJsonResponse(response)), call.signal);
        if (!sse.connected) break;
        next = await outputs.next();
      }
    } catch (err) {
      if (!sse) throw err;
      const error = InferenceServerError.from(err);
      if (sse.connected) {
        logger.warn(`stream ${call.id} failed after it started: ${error.message}`, error.cause);
        await sse.sendError(error.message, call.signal);
      }
    } finally {
      void outputs.return?.();
      sse?.end();
    }
  };

  return { unary, stream };
}

function bodyId(body: unknown): unknown {
  return (body as { id?: unknown } | undefined)?.id;
}

function asRequest(body: unknown): InferenceRequest {
  return (typeof body === 'object' && body !== null ? body : { inputs: [] }) as InferenceRequest;
}
