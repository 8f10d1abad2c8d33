import type { Request, Response, Router } from 'express';
import type { Transport } from '../call.js';
import type { DataPlane, ModelRef } from '../dataplane.js';
import { InferenceServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { takeResponseHeaders } from '../response-headers.js';
import type { InferenceRequest } from '../types.js';
import { binaryOutputSelector, encodeBinaryResponse, HEADER_LENGTH } from '../wire/binary-extension.js';
import { decodeInferenceBody, type InferenceBodyLimits, inferenceBodyReader } from './inference-body.js';
import type { JsonRequestOptions } from '../wire/json-request.js';
import { toJsonResponse } from '../wire/json-response.js';
import { startCall } from './client-call.js';
import { SseWriter } from './sse-writer.js';

/** Both forms of every model route: `/v2/models/{m}/…` and `/v2/models/{m}/versions/{v}/…`. */
export function modelPaths(suffix: string): string[] {
  return [`/v2/models/:name${suffix}`, `/v2/models/:name/versions/:version${suffix}`];
}

/** The model a request addresses. */
export function modelRef(req: Request): ModelRef {
  const { name, version } = req.params as { name: string; version?: string };
  return { name, version };
}

/** What the inference routes need. */
export interface InferenceRouteOptions {
  dataplane: DataPlane;
  logger: Logger;
  bodyLimits: InferenceBodyLimits;
  /** Limits of JSON tensor decoding. */
  json: JsonRequestOptions;
}

/**
 * `infer` / `generate` (unary: JSON, or Triton's binary tensor extension) and `infer_stream` /
 * `generate_stream` (Server-Sent Events).
 */
export function addInferenceRoutes(router: Router, options: InferenceRouteOptions): void {
  const { dataplane, logger } = options;

  /**
   * The request's body decoded; a body that cannot be decoded still counts as a failed call of
   * the model it addressed (metrics, access log), then goes on to the error handler.
   */
  const readRequest = async (req: Request, res: Response, ref: ModelRef, transport: Transport) => {
    try {
      return await decodeInferenceBody(req, dataplane, ref, options.json);
    } catch (err) {
      const call = startCall(dataplane, transport, req, res, undefined);
      call.model = ref;
      call.kind = transport === 'sse' ? 'session' : 'unary';
      call.failed(InferenceServerError.from(err));
      throw err;
    }
  };

  const unary = async (req: Request, res: Response): Promise<void> => {
    const ref = modelRef(req);
    const body = await readRequest(req, res, ref, 'rest');
    const call = startCall(dataplane, 'rest', req, res, bodyId(body));
    const result = await dataplane.infer(ref, body, call);
    const { response, headers } = takeResponseHeaders(result);
    res.set(headers);
    const binary = encodeBinaryResponse(response, binaryOutputSelector(asRequest(body)), toJsonResponse);
    if (!binary) {
      res.json(toJsonResponse(response));
      return;
    }
    res.set({
      'content-type': 'application/octet-stream',
      'content-length': String(binary.byteLength),
      [HEADER_LENGTH]: String(binary.header.byteLength),
    });
    res.write(binary.header);
    for (const blob of binary.blobs) res.write(blob);
    res.end();
  };

  const streaming = async (req: Request, res: Response): Promise<void> => {
    const ref = modelRef(req);
    const body = await readRequest(req, res, ref, 'sse');
    const call = startCall(dataplane, 'sse', req, res, bodyId(body));
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
      sse = await SseWriter.open(req, res, first ? takeResponseHeaders(first).headers : {});
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

  /** Another client's view of an open session: its responses as Server-Sent Events. */
  const subscribe = async (req: Request, res: Response): Promise<void> => {
    const ref = modelRef(req);
    const call = startCall(dataplane, 'sse', req, res, undefined);
    const responses = dataplane.subscribe(ref, String(req.params.session), call);
    const sse = await SseWriter.open(req, res, {});
    try {
      for await (const result of responses) {
        const { response } = takeResponseHeaders(result);
        await sse.send(JSON.stringify(toJsonResponse(response)), call.signal);
        if (!sse.connected) break;
      }
    } catch (err) {
      const error = InferenceServerError.from(err);
      if (sse.connected && error.code !== 'cancelled') await sse.sendError(error.message, call.signal);
    } finally {
      sse.end();
    }
  };

  const readBody = inferenceBodyReader(options.bodyLimits, dataplane);
  router.post(modelPaths('/infer'), readBody, unary);
  router.post(modelPaths('/generate'), readBody, unary);
  router.post(modelPaths('/infer_stream'), readBody, streaming);
  router.post(modelPaths('/generate_stream'), readBody, streaming);
  router.get(modelPaths('/sessions/:session/events'), subscribe);
}

function bodyId(body: unknown): unknown {
  return (body as { id?: unknown } | undefined)?.id;
}

function asRequest(body: unknown): InferenceRequest {
  return (typeof body === 'object' && body !== null ? body : { inputs: [] }) as InferenceRequest;
}
