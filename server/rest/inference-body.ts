import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { DataPlane, ModelRef } from '../dataplane.js';
import {
  HEADER_LENGTH,
  parseBinaryRequest,
  parseRawRequest,
  readHeaderLength,
} from '../wire/binary-extension.js';
import { type JsonRequestOptions, readJsonRequestBody } from '../wire/json-request.js';
import type { ServerSettings } from '../settings/server-settings.js';
import { type BodyLimit, readBody } from './body-reader.js';
import { releaseOnClose } from './client-call.js';

/** The body limits of the inference routes: JSON bodies, and Triton's binary extension. */
export interface InferenceBodyLimits {
  json: BodyLimit;
  binary: BodyLimit;
}

/**
 * Reads an inference body as bytes, whatever the content type (JSON, Triton's binary extension,
 * `application/octet-stream`), inflating gzip/deflate/br, up to the limit of its kind; the
 * binary part after a JSON header starts 8-byte aligned so tensors are viewed, not copied. The
 * bytes held count against the server's `max_inflight_bytes` until the response is over.
 */
export function readInferenceBody(
  req: IncomingMessage,
  res: ServerResponse,
  limits: InferenceBodyLimits,
  dataplane: DataPlane,
): Promise<Buffer> {
  const headerLength = readHeaderLength(req.headers[HEADER_LENGTH]);
  const reservation = dataplane.reserveBytes(0);
  releaseOnClose(res, reservation.release);
  return readBody(
    req,
    headerLength === undefined ? limits.json : limits.binary,
    headerLength ?? 0,
    reservation.grow,
  );
}

/** `readInferenceBody` as express middleware: the bytes become `req.body`. */
export function inferenceBodyReader(limits: InferenceBodyLimits, dataplane: DataPlane) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    req.body = await readInferenceBody(req, res, limits, dataplane);
    next();
  };
}

/**
 * Decodes an inference request body: JSON (the bounded decoder: tensors straight into typed
 * arrays, sizes checked before they are built, nesting bounded), or the binary extension when
 * the `Inference-Header-Content-Length` header is present (0: the raw single-input form).
 */
export async function decodeInferenceBody(
  body: Buffer,
  headers: IncomingHttpHeaders,
  dataplane: DataPlane,
  ref: ModelRef,
  json: JsonRequestOptions,
): Promise<unknown> {
  const headerLength = readHeaderLength(headers[HEADER_LENGTH]);
  if (headerLength === undefined) {
    if (body.byteLength === 0) return undefined;
    return readJsonRequestBody(body, json);
  }
  if (headerLength === 0) return parseRawRequest(body, await dataplane.modelMetadata(ref));
  return parseBinaryRequest(body, headerLength, (bytes, what) =>
    readJsonRequestBody(bytes, { ...json, what }),
  );
}

/** The inference routes' body limits from the server settings. */
export function inferenceBodyLimits(
  settings: Pick<ServerSettings, 'http_max_json_request_size' | 'http_max_request_size'>,
): InferenceBodyLimits {
  return {
    json: { bytes: settings.http_max_json_request_size, setting: 'http_max_json_request_size' },
    binary: { bytes: settings.http_max_request_size, setting: 'http_max_request_size' },
  };
}
