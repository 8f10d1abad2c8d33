import type { Request, Response, Router } from 'express';
import type { DataPlane, ModelRef } from '../dataplane.js';
import { InferenceServerError } from '../errors.js';
import { takeResponseHeaders } from '../response-headers.js';
import { DATAPLANE_ROUTES } from '../wire/dataplane-routes.js';
import { toJsonResponse } from '../wire/json-response.js';
import { operationOf, startCall } from './client-call.js';
import { type InferenceBodyLimits, inferenceBodyReader } from './inference-body.js';
import type { InferenceHandler, InferenceHandlerOptions } from './inference-handlers.js';
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
export interface InferenceRouteOptions extends InferenceHandlerOptions {
  bodyLimits: InferenceBodyLimits;
  /** The dataplane handlers (shared with the fast path). */
  handlers: { unary: InferenceHandler; stream: InferenceHandler };
}

/**
 * The dataplane routes of `DATAPLANE_ROUTES` on express, with the handlers the fast path serves
 * them with: `infer` / `generate` (unary: JSON, or Triton's binary tensor extension) and
 * `infer_stream` / `generate_stream` (Server-Sent Events); and the SSE view of an open session.
 */
export function addInferenceRoutes(router: Router, options: InferenceRouteOptions): void {
  const { dataplane, handlers } = options;
  const readBody = inferenceBodyReader(options.bodyLimits, dataplane);
  for (const route of DATAPLANE_ROUTES) {
    const handler = route.streaming ? handlers.stream : handlers.unary;
    for (const template of route.templates) {
      const operation = `POST ${template}`;
      router.post(template, readBody, (req: Request, res: Response) =>
        handler({ req, res, ref: modelRef(req), operation, body: bodyOf(req) }),
      );
    }
  }
  router.get(modelPaths('/sessions/:session/events'), (req, res) => subscribe(dataplane, req, res));
}

/** Another client's view of an open session: its responses as Server-Sent Events. */
async function subscribe(dataplane: DataPlane, req: Request, res: Response): Promise<void> {
  const ref = modelRef(req);
  const call = startCall(dataplane, 'sse', operationOf(req), req, res, undefined);
  const responses = dataplane.subscribe(ref, String(req.params.session), call);
  const sse = SseWriter.open(res, {}, true);
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
}

function bodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}
