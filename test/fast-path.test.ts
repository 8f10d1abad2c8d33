import { createServer, type Server, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Express } from 'express';
import { binaryBody, fp32Bytes } from './helpers/binary-body.js';
import { type RunningServer, startTestServer } from './helpers/test-server.js';

/** One request, sent byte for byte the same to both layers. */
interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
  /** The status both must answer (so that "the same" is never "both failed alike by accident"). */
  status: number;
  /** Whether the fast path leaves this request to express (a variant spelling, a preflight). */
  fallback?: boolean;
  /** Headers the answer must carry (or lack: undefined), beyond being the same on both. */
  expectHeaders?: Record<string, string | undefined>;
}

/** An answer as the wire carried it: status, every header but `date`, the body's bytes. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(base: string, c: Case): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...c.headers };
    if (c.body !== undefined && !c.chunked) headers['content-length'] = Buffer.byteLength(c.body);
    const req = request(`${base}${c.path}`, { method: c.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const { date: _date, ...rest } = res.headers;
        resolve({
          status: res.statusCode ?? 0,
          headers: rest,
          body: Buffer.concat(chunks).toString('base64'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (c.chunked && c.body !== undefined) {
      // Two writes: Node sends a chunked body when no length was given.
      const bytes = Buffer.from(c.body);
      req.write(bytes.subarray(0, 5));
      req.end(bytes.subarray(5));
    } else req.end(c.body);
  });
}

const json = (value: unknown) => JSON.stringify(value);
const sumBody = (id: string) =>
  json({ id, inputs: [{ name: 'x', shape: [2], datatype: 'FP64', data: [1, 2] }] });
const words = (id: string, text: string) =>
  json({ id, inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: [text] }] });
const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * Runs every case against the HTTP port (fast path in front of express) and against the express
 * app alone on a port of its own, over the same core: both must answer the same status, headers
 * and bytes; and the fast path must have left to express exactly the cases marked `fallback`.
 */
async function compare(running: RunningServer, cases: Case[]): Promise<void> {
  const app = running.server.restApp as Express & { handle: (...args: unknown[]) => unknown };
  const expressOnly: Server = createServer(app);
  // The same connection settings as the server's port (its `Keep-Alive` header says them).
  expressOnly.keepAliveTimeout = running.settings.http_keep_alive_timeout * 1000;
  await new Promise<void>((resolve) => expressOnly.listen(0, '127.0.0.1', resolve));
  const expressUrl = `http://127.0.0.1:${(expressOnly.address() as AddressInfo).port}`;
  const handle = app.handle;
  const reached: string[] = [];
  app.handle = function (this: unknown, ...args: unknown[]) {
    reached.push((args[0] as { url?: string }).url ?? '');
    return handle.apply(this, args);
  };
  try {
    for (const c of cases) {
      reached.length = 0;
      const fast = await send(running.url, c);
      const fellBack = reached.length > 0;
      const slow = await send(expressUrl, c);
      expect({ case: c.name, status: fast.status }).toEqual({ case: c.name, status: c.status });
      expect({ case: c.name, ...fast }).toEqual({ case: c.name, ...slow });
      expect({ case: c.name, fellBack }).toEqual({ case: c.name, fellBack: c.fallback === true });
      for (const [name, value] of Object.entries(c.expectHeaders ?? {}))
        expect({ case: c.name, [name]: fast.headers[name] }).toEqual({ case: c.name, [name]: value });
    }
  } finally {
    app.handle = handle;
    expressOnly.closeAllConnections();
    await new Promise((resolve) => expressOnly.close(resolve));
  }
}

describe('the fast path answers every dataplane route exactly as the express app does', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({ root_path: '/api', http_max_json_request_size: 4096 });
  });
  afterAll(() => running.stop());

  test('unary routes: JSON, versions, ids, model headers, errors, limits, encodings, binary, root_path', async () => {
    const binary = binaryBody(
      {
        id: 'bin',
        inputs: [{ name: 'x', shape: [2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
        outputs: [{ name: 'x', parameters: { binary_data: true } }],
      },
      fp32Bytes(1.5, -2),
    );
    const raw = Buffer.from(fp32Bytes(0.5, 1, 2));
    const cases: Case[] = [
      { name: 'infer', path: '/v2/models/sum/infer', headers: JSON_TYPE, body: sumBody('a'), status: 200 },
      {
        name: 'generate',
        path: '/v2/models/sum/generate',
        headers: JSON_TYPE,
        body: sumBody('b'),
        status: 200,
      },
      {
        name: 'versioned infer',
        path: '/v2/models/versioned/versions/1/infer',
        headers: JSON_TYPE,
        body: sumBody('c'),
        status: 200,
      },
      {
        name: 'versioned generate',
        path: '/v2/models/versioned/versions/2/generate',
        headers: JSON_TYPE,
        body: sumBody('d'),
        status: 200,
      },
      {
        name: 'x-request-id',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, 'x-request-id': 'from-header' },
        body: json({ inputs: [{ name: 'x', shape: [1], datatype: 'FP64', data: [1] }] }),
        status: 200,
      },
      {
        name: 'model response headers',
        path: '/v2/models/echo-headers/infer',
        headers: { ...JSON_TYPE, 'x-test-header': 'hello' },
        body: json({ id: 'e', inputs: [] }),
        status: 200,
        expectHeaders: { 'x-model-header': 'from-the-model' },
      },
      { name: 'curl -d (form type)', path: '/v2/models/sum/infer', body: sumBody('f'), status: 200 },
      {
        name: 'chunked body',
        path: '/v2/models/sum/infer',
        headers: JSON_TYPE,
        body: sumBody('g'),
        chunked: true,
        status: 200,
      },
      {
        name: 'gzip body',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
        body: gzipSync(sumBody('h')),
        status: 200,
      },
      {
        name: 'binary extension',
        path: '/v2/models/identity/infer',
        headers: { 'inference-header-content-length': String(binary.headerLength) },
        body: binary.body,
        status: 200,
        expectHeaders: { 'content-type': 'application/octet-stream' },
      },
      {
        name: 'raw binary body',
        path: '/v2/models/raw-single/infer',
        headers: { 'inference-header-content-length': '0', 'x-request-id': 'raw' },
        body: raw,
        status: 200,
      },
      {
        name: 'under root_path',
        path: '/api/v2/models/sum/infer',
        headers: JSON_TYPE,
        body: sumBody('i'),
        status: 200,
      },
      {
        name: 'versioned under root_path',
        path: '/api/v2/models/versioned/versions/1/infer',
        headers: JSON_TYPE,
        body: sumBody('j'),
        status: 200,
      },
      {
        name: 'unknown model',
        path: '/v2/models/nope/infer',
        headers: JSON_TYPE,
        body: sumBody('k'),
        status: 404,
      },
      {
        name: 'unknown version',
        path: '/v2/models/sum/versions/9/infer',
        headers: JSON_TYPE,
        body: sumBody('l'),
        status: 404,
      },
      { name: 'not JSON', path: '/v2/models/sum/infer', headers: JSON_TYPE, body: '{not json', status: 400 },
      {
        name: 'invalid input',
        path: '/v2/models/sum/infer',
        headers: JSON_TYPE,
        body: json({ inputs: [{ name: 'x', shape: [3], datatype: 'FP64', data: [1] }] }),
        status: 400,
      },
      {
        name: 'model not ready',
        path: '/v2/models/failing-load/infer',
        headers: JSON_TYPE,
        body: sumBody('m'),
        status: 503,
      },
      {
        name: 'stream-only model, unary',
        path: '/v2/models/text-stream/infer',
        headers: JSON_TYPE,
        body: words('n', 'a b'),
        status: 501,
      },
      {
        name: 'runtime failure',
        path: '/v2/models/broken-stream/infer',
        headers: JSON_TYPE,
        body: words('o', 'x'),
        status: 501,
      },
      {
        name: 'over http_max_json_request_size',
        path: '/v2/models/sum/infer',
        headers: JSON_TYPE,
        body: json({ inputs: [{ name: 'x', shape: [3000], datatype: 'FP64', data: Array(3000).fill(1) }] }),
        status: 413,
      },
      {
        name: 'chunked over the limit',
        path: '/v2/models/sum/infer',
        headers: JSON_TYPE,
        body: json({ inputs: [{ name: 'x', shape: [3000], datatype: 'FP64', data: Array(3000).fill(1) }] }),
        chunked: true,
        status: 413,
      },
      {
        name: 'unknown content-encoding',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, 'content-encoding': 'zstd-ish' },
        body: sumBody('p'),
        status: 415,
      },
      { name: 'empty body', path: '/v2/models/sum/infer', status: 400 },
      // Spellings the fast path leaves to express (which matches routes case-insensitively and
      // with a trailing slash): same answers.
      {
        name: 'trailing slash',
        path: '/v2/models/sum/infer/',
        headers: JSON_TYPE,
        body: sumBody('q'),
        status: 200,
        fallback: true,
      },
      {
        name: 'upper case',
        path: '/V2/Models/sum/INFER',
        headers: JSON_TYPE,
        body: sumBody('r'),
        status: 200,
        fallback: true,
      },
      {
        name: 'undecodable segment',
        path: '/v2/models/%E0%A4%A/infer',
        headers: JSON_TYPE,
        body: sumBody('s'),
        status: 400,
        fallback: true,
      },
      { name: 'GET on infer', method: 'GET', path: '/v2/models/sum/infer', status: 404, fallback: true },
    ];
    await compare(running, cases);
  });

  test('SSE routes: events, versions, a unary runtime, errors before and after the first event', async () => {
    const cases: Case[] = [
      {
        name: 'infer_stream',
        path: '/v2/models/text-stream/infer_stream',
        headers: JSON_TYPE,
        body: words('s1', 'a b c'),
        status: 200,
        expectHeaders: { 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' },
      },
      {
        name: 'generate_stream',
        path: '/v2/models/text-stream/generate_stream',
        headers: JSON_TYPE,
        body: words('s2', 'x y'),
        status: 200,
      },
      {
        name: 'versioned generate_stream (unary runtime: one event)',
        path: '/v2/models/versioned/versions/2/generate_stream',
        headers: JSON_TYPE,
        body: sumBody('s3'),
        status: 200,
      },
      {
        name: 'infer_stream under root_path',
        path: '/api/v2/models/sum/infer_stream',
        headers: JSON_TYPE,
        body: sumBody('s4'),
        status: 200,
      },
      {
        name: 'failure after the first event',
        path: '/v2/models/broken-stream/generate_stream',
        headers: JSON_TYPE,
        body: words('s5', 'x'),
        status: 200,
        expectHeaders: { 'content-type': 'text/event-stream' },
      },
      {
        name: 'unknown model',
        path: '/v2/models/nope/generate_stream',
        headers: JSON_TYPE,
        body: words('s6', 'x'),
        status: 404,
      },
      {
        name: 'invalid request',
        path: '/v2/models/text-stream/infer_stream',
        headers: JSON_TYPE,
        body: json({ inputs: [{ name: 'p', shape: [2], datatype: 'BYTES', data: ['a'] }] }),
        status: 400,
      },
      {
        name: 'not ready',
        path: '/v2/models/failing-load/generate_stream',
        headers: JSON_TYPE,
        body: words('s7', 'x'),
        status: 503,
      },
      {
        name: 'not JSON',
        path: '/v2/models/text-stream/generate_stream',
        headers: JSON_TYPE,
        body: '[',
        status: 400,
      },
    ];
    await compare(running, cases);
  });
});

describe('…and with tokens, CORS and gzip on', () => {
  let running: RunningServer;
  const token = { authorization: 'Bearer sesame' };
  const page = 'http://page.example';
  beforeAll(async () => {
    running = await startTestServer({
      auth_inference_tokens: ['sesame'],
      gzip_enabled: true,
      cors_settings: {
        allow_origins: [page],
        allow_methods: ['GET', 'POST'],
        allow_headers: ['authorization'],
        expose_headers: ['x-model-header'],
        allow_credentials: true,
      },
    });
  });
  afterAll(() => running.stop());

  test('access control, CORS answers (preflight included), gzip of JSON and not of SSE or binary', async () => {
    const large = json({
      id: 'big',
      inputs: [
        { name: 't', shape: [2000], datatype: 'INT32', data: Array.from({ length: 2000 }, (_, i) => i) },
      ],
    });
    const binaryOut = json({
      id: 'big-binary',
      inputs: [
        { name: 't', shape: [2000], datatype: 'INT32', data: Array.from({ length: 2000 }, (_, i) => i) },
      ],
      parameters: { binary_data_output: true },
    });
    const cases: Case[] = [
      {
        name: 'no token',
        path: '/v2/models/sum/infer',
        headers: JSON_TYPE,
        body: sumBody('t1'),
        status: 401,
        expectHeaders: { 'www-authenticate': 'Bearer' },
      },
      {
        name: 'wrong token',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, authorization: 'Bearer nope' },
        body: sumBody('t2'),
        status: 401,
      },
      {
        name: 'bearer token',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, ...token },
        body: sumBody('t3'),
        status: 200,
      },
      {
        name: 'API-key header',
        path: '/v2/models/sum/generate',
        headers: { ...JSON_TYPE, 'x-api-key': 'sesame' },
        body: sumBody('t4'),
        status: 200,
      },
      {
        name: 'SSE without a token',
        path: '/v2/models/text-stream/generate_stream',
        headers: JSON_TYPE,
        body: words('t5', 'a'),
        status: 401,
      },
      {
        name: 'allowed origin, credentials, exposed model header',
        path: '/v2/models/echo-headers/infer',
        headers: { ...JSON_TYPE, ...token, origin: page },
        body: json({ id: 't6', inputs: [] }),
        status: 200,
        expectHeaders: {
          'access-control-allow-origin': 'http://page.example',
          'access-control-allow-credentials': 'true',
          'access-control-expose-headers': 'x-model-header',
          vary: 'Origin',
        },
      },
      {
        name: 'other origin',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, ...token, origin: 'http://evil.example' },
        body: sumBody('t7'),
        status: 200,
        expectHeaders: { 'access-control-allow-origin': undefined },
      },
      {
        name: 'allowed origin, refused token',
        path: '/v2/models/sum/infer',
        headers: { ...JSON_TYPE, origin: page },
        body: sumBody('t8'),
        status: 401,
      },
      {
        name: 'preflight',
        method: 'OPTIONS',
        path: '/v2/models/sum/infer',
        headers: {
          origin: page,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
        status: 200,
        fallback: true,
      },
      {
        name: 'SSE with CORS',
        path: '/v2/models/text-stream/infer_stream',
        headers: { ...JSON_TYPE, ...token, origin: page, 'accept-encoding': 'gzip' },
        body: words('t9', 'a b'),
        status: 200,
        expectHeaders: {
          'content-type': 'text/event-stream',
          'content-encoding': undefined,
          'access-control-allow-origin': 'http://page.example',
        },
      },
      {
        name: 'gzip JSON',
        path: '/v2/models/identity/infer',
        headers: { ...JSON_TYPE, ...token, 'accept-encoding': 'gzip' },
        body: large,
        status: 200,
        expectHeaders: { 'content-encoding': 'gzip', vary: 'Accept-Encoding' },
      },
      {
        name: 'gzip refused for binary',
        path: '/v2/models/identity/infer',
        headers: { ...JSON_TYPE, ...token, 'accept-encoding': 'gzip' },
        body: binaryOut,
        status: 200,
        expectHeaders: { 'content-encoding': undefined, 'content-type': 'application/octet-stream' },
      },
      {
        name: 'gzip of an error',
        path: '/v2/models/nope/infer',
        headers: { ...JSON_TYPE, ...token, 'accept-encoding': 'gzip' },
        body: large,
        status: 404,
      },
    ];
    await compare(running, cases);
  });
});
