import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import {
  InferenceServerError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { HTTP_STATUS } from '../wire/http-status.js';
import { sendJson } from './json-reply.js';

/** Turns body-parser's errors (bad JSON, too large, unknown encoding) into the error hierarchy. */
export function fromHttpError(err: unknown): InferenceServerError {
  const type = (err as { type?: string } | null)?.type;
  const message = (err as Error | null)?.message ?? 'bad request';
  switch (type) {
    case 'entity.parse.failed':
      return new InvalidInputError(`request body is not valid JSON: ${message}`);
    case 'entity.too.large':
      return new PayloadTooLargeError(
        `request body exceeds the limit of ${(err as { limit?: number }).limit} bytes (setting http_max_request_size)`,
      );
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError(`unsupported Content-Encoding: ${message}`);
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError(message);
    case 'request.aborted':
      return new InferenceServerError('cancelled', 'client aborted the request');
    default:
      if (type !== undefined) return new InvalidInputError(`bad request: ${message}`);
      // The router's "Failed to decode param": a malformed path is the client's.
      if (err instanceof URIError) return new InvalidInputError(`bad request: ${message}`);
      return InferenceServerError.from(err);
  }
}

/** Writes `{"error": "…"}` with the mapped status (or cuts a response that already started). */
export function sendError(res: ServerResponse, error: InferenceServerError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, HTTP_STATUS[error.code], { error: error.message });
}

/**
 * Answers a failed request: the error mapped into the hierarchy, logged (internal errors with
 * their cause, the others at debug) and sent. `url` is the request's URL as it arrived.
 */
export function answerError(
  logger: Logger,
  req: IncomingMessage,
  url: string,
  res: ServerResponse,
  err: unknown,
): void {
  const error = fromHttpError(err);
  if (error.code === 'internal') logger.error(`${req.method} ${url}: ${error.message}`, error.cause ?? err);
  else logger.debug(`${req.method} ${url}: ${HTTP_STATUS[error.code]} ${error.message}`);
  sendError(res, error);
}

/** Express error middleware: every failure becomes a JSON error, never a framework page. */
export function errorMiddleware(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    answerError(logger, req, req.originalUrl, res, err);
  };
}

/** The last route: anything unmatched is a JSON 404. */
export function notFoundRoute(req: Request, res: Response): void {
  sendError(res, new NotFoundError(`no route for ${req.method} ${req.path}`));
}
