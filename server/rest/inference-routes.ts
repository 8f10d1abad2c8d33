import type { Request, Response, Router } from 'express';
import type { DataPlane, ModelRef } from '../dataplane.js';
import { InferenceServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { takeResponseHeaders } from '../response-headers.js';
import { once } from '../stream-utils.js';
import { toJsonResponse } from './json-encoding.js';
import { createRequestContext } from './request-context.js';
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

/** `infer` / `generate` (unary, JSON) and `infer_stream` / `generate_stream` (SSE). */
export function addInferenceRoutes(
  router: Router,
  dataplane: DataPlane,
  shutdown: AbortSignal,
  logger: Logger,
): void {
  const unary = async (req: Request, res: Response): Promise<void> => {
    const context = createRequestContext(req, res, shutdown, (req.body as { id?: unknown } | undefined)?.id);
    const result = await dataplane.infer(modelRef(req), req.body, context);
    const { response, headers } = takeResponseHeaders(result);
    res.set(headers).json(toJsonResponse(response));
  };

  const streaming = async (req: Request, res: Response): Promise<void> => {
    const context = createRequestContext(req, res, shutdown, (req.body as { id?: unknown } | undefined)?.id);
    // Unknown model, model not ready and invalid request fail here, before any event.
    const responses = await dataplane.inferStream(modelRef(req), once(req.body), context);
    const sse = await SseWriter.open(req, res, {});
    const iterator = responses[Symbol.asyncIterator]();
    try {
      while (true) {
        const next = await iterator.next();
        if (next.done) break;
        const { response } = takeResponseHeaders(next.value);
        await sse.send(JSON.stringify(toJsonResponse(response)), context.signal);
        if (!sse.connected) break;
      }
    } catch (err) {
      const error = InferenceServerError.from(err);
      if (sse.connected) {
        logger.warn(`stream ${context.requestId} failed after it started: ${error.message}`, error.cause);
        await sse.sendError(error.message, context.signal);
      }
    } finally {
      void iterator.return?.();
      sse.end();
    }
  };

  router.post(modelPaths('/infer'), unary);
  router.post(modelPaths('/generate'), unary);
  router.post(modelPaths('/infer_stream'), streaming);
  router.post(modelPaths('/generate_stream'), streaming);
}
