import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What one h2load run printed, parsed. */
export interface H2loadResult {
  /** Requests that got a 2xx answer. */
  succeeded: number;
  /** Requests h2load counted as failed, errored or timed out. */
  failed: number;
  seconds: number;
  requestsPerSecond: number;
  /** Bytes of DATA frames received (gRPC messages with their 5-byte prefixes). */
  dataBytes: number;
  /** Mean time per request, milliseconds (h2load prints no percentiles). */
  meanMs: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** Parses h2load's report; figures it did not print come back NaN or 0. */
export function parseH2loadOutput(text: string): H2loadResult {
  const finished = /finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/.exec(text);
  const requests =
    /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      text,
    );
  const data = /traffic: .*?, \S+ \((\d+)\) data/.exec(text);
  const time = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(text);
  return {
    succeeded: requests ? Number(requests[1]) : 0,
    failed: requests ? Number(requests[2]) + Number(requests[3]) + Number(requests[4]) : 0,
    seconds: finished ? (Number(finished[1]) * UNIT_MS[finished[2]!]!) / 1000 : Number.NaN,
    requestsPerSecond: finished ? Number(finished[3]) : Number.NaN,
    dataBytes: data ? Number(data[1]) : 0,
    meanMs: time ? Number(time[1]) * UNIT_MS[time[2]!]! : Number.NaN,
  };
}

/** Whether `h2load` (Debian's `nghttp2-client`) is on the PATH. */
export function h2loadInstalled(): Promise<boolean> {
  return new Promise((resolve) =>
    execFile('h2load', ['--version'], (err) => resolve(err?.code !== 'ENOENT')),
  );
}

/** `message` framed as gRPC sends it: a 0 (uncompressed) byte, the 32-bit big-endian length, the bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const framed = Buffer.alloc(message.byteLength + 5);
  framed.writeUInt32BE(message.byteLength, 1);
  framed.set(message, 5);
  return framed;
}

/** How to run h2load against one gRPC method. */
export interface H2loadOptions {
  /** `host:port`. */
  address: string;
  /** `/package.Service/Method`. */
  method: string;
  /** The request body: one framed message (the call is then half-closed, as a unary call is). */
  body: Buffer;
  /** Calls in flight on the one connection (h2load `-m`). */
  streams: number;
  /** Either a duration (`-D`) or a number of requests (`-n`). */
  seconds?: number;
  requests?: number;
}

/**
 * Runs h2load (one thread, one connection, `streams` calls in flight) POSTing the framed message
 * to a gRPC method: a closed-loop gRPC load written in C, like wrk for REST. h2load sees HTTP/2
 * only: a gRPC error is a 2xx with no DATA, so callers check the data bytes received.
 */
export function runH2load(options: H2loadOptions): Promise<H2loadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlserver-ts-h2load-'));
  const file = path.join(dir, 'body.bin');
  writeFileSync(file, options.body);
  const amount =
    options.seconds !== undefined ? ['-D', String(options.seconds)] : ['-n', String(options.requests)];
  const args = [
    ...amount,
    '-t1',
    '-c1',
    `-m${options.streams}`,
    '-d',
    file,
    '-H',
    'content-type: application/grpc',
    '-H',
    'te: trailers',
    `http://${options.address}${options.method}`,
  ];
  const timeout = ((options.seconds ?? 60) + 30) * 1000;
  return new Promise((resolve, reject) => {
    execFile('h2load', args, { timeout, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(err);
      else resolve(parseH2loadOutput(stdout));
    });
  });
}
