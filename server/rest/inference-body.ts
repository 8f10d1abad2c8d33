import type { NextFunction, Request, Response } from 'express';
import type { DataPlane, ModelRef } from '../dataplane.js';
import { readBody } from './body-reader.js';
import {
  HEADER_LENGTH,
  parseBinaryRequest,
  parseJson,
  parseRawRequest,
  readHeaderLength,
} from '../wire/binary-extension.js';

/**
 * Reads inference bodies as bytes, whatever the content type (JSON, Triton's binary extension,
 * `application/octet-stream`), inflating gzip/deflate/br, up to `limit` bytes; the binary part
 * after a JSON header starts 8-byte aligned so tensors are viewed, not copied.
 */
export function inferenceBodyReader(limit: number) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const headerLength = readHeaderLength(req.headers[HEADER_LENGTH]) ?? 0;
    req.body = await readBody(req, limit, headerLength);
    next();
  };
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
