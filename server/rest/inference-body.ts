import express, { type Request } from 'express';
import type { DataPlane, ModelRef } from '../dataplane.js';
import {
  HEADER_LENGTH,
  parseBinaryRequest,
  parseJson,
  parseRawRequest,
  readHeaderLength,
} from './binary-extension.js';

/**
 * Reads inference bodies as bytes, whatever the content type (JSON, Triton's binary extension,
 * `application/octet-stream`), inflating gzip/deflate, up to `limit` bytes.
 */
export function inferenceBodyReader(limit: number) {
  return express.raw({ type: () => true, limit, inflate: true });
}

/**
 * Decodes an inference request body: plain JSON, or the binary extension when the
 * `Inference-Header-Content-Length` header is present (0: the raw single-input form).
 */
export async function decodeInferenceBody(
  req: Request,
  dataplane: DataPlane,
  ref: ModelRef,
): Promise<unknown> {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const headerLength = readHeaderLength(req.headers[HEADER_LENGTH]);
  if (headerLength === undefined) {
    if (body.byteLength === 0) return undefined;
    return parseJson(body, 'request body');
  }
  if (headerLength === 0) return parseRawRequest(body, await dataplane.modelMetadata(ref));
  return parseBinaryRequest(body, headerLength);
}
