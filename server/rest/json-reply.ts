import type { ServerResponse } from 'node:http';

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
