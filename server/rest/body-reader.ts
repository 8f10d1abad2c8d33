import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import {
  CancelledError,
  InvalidInputError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';

/**
 * Reads a request body into one Buffer, inflating gzip/deflate/br. When the length is known in
 * advance (an uncompressed body with Content-Length) the bytes go straight into one allocation
 * laid out so that offset `alignAt` falls on an 8-byte boundary: the binary tensors after a JSON
 * header of that length can then be viewed as typed arrays without another copy.
 */
export async function readBody(
  req: IncomingMessage,
  limit: BodyLimit,
  alignAt = 0,
  /** Called with the bytes about to be held (all at once when the length is known); may throw to refuse. */
  hold: (bytes: number) => void = () => undefined,
): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const stream = decoded(req, encoding);
  const declared = encoding === 'identity' ? Number(req.headers['content-length']) : Number.NaN;
  if (declared > limit.bytes) {
    req.resume();
    throw tooLarge(limit);
  }
  if (Number.isInteger(declared)) {
    try {
      hold(declared);
    } catch (err) {
      req.resume();
      throw err;
    }
    return readInto(stream, declared, (8 - (alignAt % 8)) % 8);
  }
  return readChunks(req, stream, limit, encoding, hold);
}

/** A body size limit and the setting that sets it (named in the 413). */
export interface BodyLimit {
  bytes: number;
  setting: string;
}

function decoded(req: IncomingMessage, encoding: string): Readable {
  switch (encoding) {
    case 'identity':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      req.resume();
      throw new UnsupportedMediaTypeError(
        `unsupported Content-Encoding: ${encoding} (accepted: gzip, deflate, br)`,
      );
  }
}

function readInto(stream: Readable, length: number, padding: number): Promise<Buffer> {
  const target = Buffer.from(new ArrayBuffer(length + padding), padding, length);
  let offset = 0;
  // Events rather than an async iterator: most bodies are one small chunk, read many times a second.
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunk.copy(target, offset, 0, Math.min(chunk.byteLength, length - offset));
      offset += chunk.byteLength;
    };
    const onEnd = () => {
      cleanup();
      if (offset < length)
        reject(new CancelledError(`client sent ${offset} of the ${length} bytes it announced`));
      else resolve(target);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new CancelledError('client aborted the request body', { cause: err }));
    };
    const onClose = () => {
      if (offset < length) onError(new Error('connection closed'));
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

/**
 * Reads a body of unknown length (chunked, or compressed) chunk by chunk, holding each against
 * the budget. Past the limit it answers 413 at once and lets the rest of the body drain unread,
 * so the client gets the status rather than a reset connection.
 */
function readChunks(
  req: IncomingMessage,
  stream: Readable,
  limit: BodyLimit,
  encoding: string,
  hold: (bytes: number) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      chunks.length = 0;
      stream.off('data', onData);
      // Keep reading, keep nothing: the rest of the body drains and the connection stays usable.
      // A decompressor is stopped (a small body may inflate without end); the raw body drains.
      if (stream !== req) {
        req.unpipe(stream as unknown as NodeJS.WritableStream);
        stream.destroy();
      } else stream.on('data', () => undefined);
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit.bytes) {
        fail(tooLarge(limit));
        return;
      }
      try {
        hold(chunk.byteLength);
      } catch (err) {
        fail(err as Error);
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, total));
    });
    stream.once('error', (err: Error) => {
      if (isDecompressionError(err)) {
        fail(
          new InvalidInputError(
            `request body is not valid ${encoding} data (Content-Encoding: ${encoding}): ${err.message}`,
          ),
        );
      } else fail(new CancelledError('client aborted the request body', { cause: err }));
    });
  });
}

/** zlib's errors: `Z_*` codes for gzip/deflate, `ERR_*` codes with a negative errno for brotli. */
function isDecompressionError(err: unknown): boolean {
  const { code, errno } = err as NodeJS.ErrnoException;
  return typeof code === 'string' && (code.startsWith('Z_') || (code.startsWith('ERR_') && (errno ?? 0) < 0));
}

function tooLarge(limit: BodyLimit): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `request body exceeds the limit of ${limit.bytes} bytes (setting ${limit.setting})`,
  );
}
