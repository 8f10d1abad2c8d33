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
export async function readBody(req: IncomingMessage, limit: number, alignAt = 0): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const stream = decoded(req, encoding);
  const declared = encoding === 'identity' ? Number(req.headers['content-length']) : Number.NaN;
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  if (Number.isInteger(declared)) return readInto(stream, declared, (8 - (alignAt % 8)) % 8);
  return readChunks(stream, limit, encoding);
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

async function readChunks(stream: Readable, limit: number, encoding: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).byteLength;
      if (total > limit) {
        stream.destroy();
        throw tooLarge(limit);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof PayloadTooLargeError) throw err;
    if (isDecompressionError(err)) {
      throw new InvalidInputError(
        `request body is not valid ${encoding} data (Content-Encoding: ${encoding}): ${(err as Error).message}`,
      );
    }
    throw new CancelledError('client aborted the request body', { cause: err });
  }
  return Buffer.concat(chunks, total);
}

/** zlib's errors: `Z_*` codes for gzip/deflate, `ERR_*` codes with a negative errno for brotli. */
function isDecompressionError(err: unknown): boolean {
  const { code, errno } = err as NodeJS.ErrnoException;
  return typeof code === 'string' && (code.startsWith('Z_') || (code.startsWith('ERR_') && (errno ?? 0) < 0));
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `request body exceeds the limit of ${limit} bytes (setting http_max_request_size)`,
  );
}
