import type { ServerResponse } from 'node:http';
import type { InferenceResponse } from '../types.js';
import { encodeJsonResponse, JSON_SLICE, toJsonResponse } from '../wire/json-response.js';

/** What express's `res.json` answers with (it adds the charset): the type every JSON answer carries. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Answers `status` with `value` as JSON, as express's `res.json` does (the content type unless
 * one was set already, the length, the body in one write), on Node's response alone: the REST
 * app and the fast path answer through this one function.
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendJsonText(res, status, JSON.stringify(value));
}

/** `sendJson` for a body already serialised. */
export function sendJsonText(res: ServerResponse, status: number, json: string): void {
  res.statusCode = status;
  if (!res.hasHeader('content-type')) res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/**
 * Answers 200 with an inference response as JSON: one string for the usual small response, and
 * for one with an output of `JSON_SLICE` elements or more, buffers written a slice at a time
 * (`encodeJsonResponse`), so a huge output never becomes one JS string on the heap.
 */
export function sendInferenceJson(res: ServerResponse, response: InferenceResponse): void {
  if (!response.outputs.some((output) => output.data.length >= JSON_SLICE)) {
    sendJsonText(res, 200, JSON.stringify(toJsonResponse(response)));
    return;
  }
  const chunks = encodeJsonResponse(response);
  res.statusCode = 200;
  if (!res.hasHeader('content-type')) res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader(
    'Content-Length',
    chunks.reduce((n, chunk) => n + chunk.byteLength, 0),
  );
  for (const chunk of chunks) res.write(chunk);
  res.end();
}
