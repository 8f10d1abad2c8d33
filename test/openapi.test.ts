import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import type { OpenApiDocument } from '../server/rest/openapi/document.js';
import { openApiPath } from '../server/rest/openapi/operations.js';
import {
  DocumentChecker,
  expressAppOf,
  matchTemplate,
  registeredRoutes,
  validateOpenApi,
} from './helpers/openapi-check.js';
import { WS_CLOSE_CODE, WS_NORMAL_CLOSE } from '../server/ws/ws-close-codes.js';
import { matchWsRoute } from '../server/ws/ws-route.js';
import { getJson, type RunningServer, startTestServer } from './helpers/test-server.js';

const sumRequest = { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] };
const prompt = {
  inputs: [
    { name: 'prompt', shape: [1], datatype: 'BYTES', data: ['a b'], parameters: { content_type: 'str' } },
  ],
};
/** What MLServer's Python client sends: every unset optional as null. */
const mlserverStyle = {
  id: null,
  parameters: null,
  outputs: null,
  inputs: [
    {
      name: 'x',
      shape: [2],
      datatype: 'INT32',
      parameters: { content_type: null, headers: null },
      data: [1, 2],
    },
  ],
};

/** One call that exercises a documented route. */
interface Call {
  method: 'get' | 'post';
  path: string;
  body?: unknown;
}

/**
 * At least one call for every documented route (both path forms), with successes and the
 * errors a client meets first.
 */
const CALLS: Call[] = [
  { method: 'get', path: '/v2/health/live' },
  { method: 'get', path: '/v2/health/ready' },
  { method: 'get', path: '/v2' },
  { method: 'get', path: '/v2/models/sum/ready' },
  { method: 'get', path: '/v2/models/failing-load/ready' },
  { method: 'get', path: '/v2/models/versioned/versions/1/ready' },
  { method: 'get', path: '/v2/models/nope/ready' },
  { method: 'get', path: '/v2/models/raw-single' },
  { method: 'get', path: '/v2/models/versioned/versions/2' },
  { method: 'get', path: '/v2/models/nope' },
  { method: 'post', path: '/v2/models/sum/infer', body: sumRequest },
  { method: 'post', path: '/v2/models/sum/infer', body: mlserverStyle },
  { method: 'post', path: '/v2/models/sum/infer', body: { inputs: [{ name: 'x' }] } },
  { method: 'post', path: '/v2/models/nope/infer', body: sumRequest },
  { method: 'post', path: '/v2/models/text-stream/infer', body: prompt },
  {
    method: 'post',
    path: '/v2/models/echo-headers/infer',
    body: { ...sumRequest, parameters: { fail: 'overloaded' } },
  },
  {
    method: 'post',
    path: '/v2/models/echo-headers/infer',
    body: { ...sumRequest, parameters: { fail: 'throw' } },
  },
  { method: 'post', path: '/v2/models/versioned/versions/1/infer', body: sumRequest },
  { method: 'post', path: '/v2/models/sum/generate', body: sumRequest },
  { method: 'post', path: '/v2/models/versioned/versions/2/generate', body: sumRequest },
  { method: 'post', path: '/v2/models/text-stream/infer_stream', body: prompt },
  { method: 'post', path: '/v2/models/text-stream/generate_stream', body: prompt },
  { method: 'post', path: '/v2/models/versioned/versions/1/infer_stream', body: prompt },
  { method: 'post', path: '/v2/models/versioned/versions/2/generate_stream', body: prompt },
  { method: 'get', path: '/v2/models/sum/sessions/none-open/events' },
  { method: 'get', path: '/v2/models/versioned/versions/2/sessions/none-open/events' },
  { method: 'post', path: '/v2/models/nope/infer_stream', body: prompt },
  { method: 'post', path: '/v2/repository/index', body: {} },
  { method: 'post', path: '/v2/repository/index', body: { ready: null } },
  { method: 'post', path: '/v2/repository/index', body: { ready: 'yes' } },
  { method: 'post', path: '/v2/repository/models/identity/load' },
  { method: 'post', path: '/v2/repository/models/nope/load' },
  { method: 'post', path: '/v2/repository/models/nope/unload' },
  { method: 'get', path: '/v2/models/stats' },
  { method: 'get', path: '/v2/models/sum/stats' },
  { method: 'get', path: '/v2/models/versioned/versions/1/stats' },
  { method: 'get', path: '/v2/models/sum/config' },
  { method: 'get', path: '/v2/models/versioned/versions/2/config' },
  { method: 'get', path: '/v2/docs' },
  { method: 'get', path: '/v2/docs/dataplane.json' },
  { method: 'get', path: '/v2/docs/swagger-ui/swagger-ui.css' },
  { method: 'get', path: '/v2/docs/swagger-ui/nope.js' },
  { method: 'get', path: '/v2/models/sum/docs' },
  { method: 'get', path: '/v2/models/versioned/versions/1/docs' },
  { method: 'get', path: '/v2/models/raw-single/docs/dataplane.json' },
  { method: 'get', path: '/v2/models/versioned/versions/2/docs/dataplane.json' },
  { method: 'get', path: '/v2/models/nope/docs/dataplane.json' },
  { method: 'get', path: '/examples/asr/' },
  { method: 'get', path: '/examples/asr/page.js' },
  { method: 'get', path: '/examples/asr/style.css' },
  { method: 'get', path: '/examples/asr/nope.js' },
];

type Paths = OpenApiDocument['paths'];

/** `METHOD /path` of every documented operation, WebSocket upgrades apart. */
function documentedRoutes(paths: Paths, websocket: boolean): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (Boolean(op['x-websocket']) === websocket) routes.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes;
}

describe('the OpenAPI document', () => {
  let running: RunningServer;
  let doc: OpenApiDocument;
  let checker: DocumentChecker;
  beforeAll(async () => {
    running = await startTestServer();
    doc = (await getJson(`${running.url}/v2/docs/dataplane.json`)).body as OpenApiDocument;
    checker = new DocumentChecker(doc);
  });
  afterAll(() => running.stop());

  test('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(await validateOpenApi(doc)).toEqual({ valid: true, errors: undefined });
  });

  test('documents exactly the routes express registered (WebSocket upgrades apart)', () => {
    const served = new Set([...registeredRoutes(expressAppOf(running.server))].map(openApiPath));
    const documented = documentedRoutes(doc.paths, false);
    const websocket = documentedRoutes(doc.paths, true);
    const undocumented = [...served].filter((r) => !documented.has(r) && !websocket.has(r));
    const unserved = [...documented].filter((r) => !served.has(r));
    expect({ undocumented, unserved }).toEqual({ undocumented: [], unserved: [] });
    expect(served.size).toBeGreaterThan(25);
    // Each WebSocket upgrade sits on a path whose POST is the SSE stream of the same name.
    for (const route of websocket) {
      const [method, path] = route.split(' ');
      expect(method).toBe('GET');
      expect(documented.has(`POST ${path}`)).toBe(true);
      expect(path).toMatch(/\/(infer|generate)_stream$/);
    }
    expect(websocket.size).toBe(4);
  });

  test('the WebSocket upgrades are what the WebSocket listener serves, with its statuses and close codes', async () => {
    const fill = (path: string) => path.replace('{model_name}', 'm').replace('{model_version}', '2');
    const websocket = documentedRoutes(doc.paths, true);
    for (const path of Object.keys(doc.paths)) {
      const served = matchWsRoute(fill(path), '');
      if (websocket.has(`GET ${path}`)) {
        expect(served).toEqual({
          ref: { name: 'm', version: path.includes('/versions/') ? '2' : undefined },
          sessionId: undefined,
        });
      } else {
        expect([path, served]).toEqual([path, undefined]);
      }
    }
    const op = doc.paths['/v2/models/{model_name}/infer_stream']!.get as {
      responses: Record<string, unknown>;
      'x-websocket': { closeCodes: Record<string, string> };
    };
    const closeCodes = Object.keys(op['x-websocket'].closeCodes).map(Number);
    expect(closeCodes.sort()).toEqual(
      [...new Set([WS_NORMAL_CLOSE, ...Object.values(WS_CLOSE_CODE)])].sort(),
    );
    const upgrade = (path: string, origin?: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${running.url.replace('http', 'ws')}${path}`, origin ? { origin } : {});
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
        });
        ws.once('error', reject);
      });
    for (const [path, origin] of [
      ['/v2/models/text-stream/infer_stream', undefined],
      ['/v2/models/nope/generate_stream', undefined],
      ['/v2/models/failing-load/infer_stream', undefined],
      ['/v2/models/text-stream/infer_stream', 'http://evil.test'],
    ] as const) {
      const status = await upgrade(path, origin);
      expect([path, origin, String(status) in op.responses]).toEqual([path, origin, true]);
    }
  });

  test('every documented route answers as documented: status listed, JSON bodies fit their schemas', async () => {
    const covered = new Set<string>();
    const problems: string[] = [];
    for (const call of CALLS) {
      const template = matchTemplate(doc, call.method, call.path);
      if (!template) {
        problems.push(`${call.method} ${call.path} matches no documented route`);
        continue;
      }
      covered.add(`${call.method.toUpperCase()} ${template}`);
      const res = await fetch(`${running.url}${call.path}`, {
        method: call.method.toUpperCase(),
        ...(call.method === 'post'
          ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.body ?? {}) }
          : {}),
      });
      const type = res.headers.get('content-type') ?? '';
      const text = await res.text();
      problems.push(...checker.checkAnswer(template, call.method, res.status, type, text));
      if (type.startsWith('text/event-stream')) {
        const parser = createParser({
          onEvent: (event) => {
            const pointer =
              event.event === 'error' ? '/components/schemas/Error' : '/components/schemas/InferenceResponse';
            problems.push(
              ...checker.validateAt(pointer, JSON.parse(event.data)).map((p) => `${call.path} event: ${p}`),
            );
          },
        });
        parser.feed(text);
      }
    }
    expect(problems).toEqual([]);
    const uncovered = [...documentedRoutes(doc.paths, false)].filter((r) => !covered.has(r));
    expect(uncovered).toEqual([]);
  });

  test('requests in the protocol shapes fit the request schemas; malformed ones do not', () => {
    const request = '/components/schemas/InferenceRequest';
    expect(checker.validateAt(request, sumRequest)).toEqual([]);
    expect(checker.validateAt(request, mlserverStyle)).toEqual([]);
    expect(
      checker.validateAt(request, (doc.components.examples.InferenceRequest as { value: unknown }).value),
    ).toEqual([]);
    const binary = {
      inputs: [{ name: 'x', shape: [1], datatype: 'FP32', parameters: { binary_data_size: 4 } }],
    };
    expect(checker.validateAt(request, binary)).toEqual([]);
    const sequence = {
      ...sumRequest,
      parameters: { sequence_id: 7, sequence_start: true, sequence_end: false },
    };
    expect(checker.validateAt(request, sequence)).toEqual([]);
    expect(checker.validateAt(request, { ...sumRequest, parameters: { sequence_id: 'user-1' } })).toEqual([]);
    expect(
      checker.validateAt(request, { inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }] }),
    ).not.toEqual([]);
    expect(
      checker.validateAt(request, { inputs: [{ name: 'x', shape: [1], datatype: 'FP8', data: [1] }] }),
    ).not.toEqual([]);
    expect(checker.validateAt(request, { inputs: 'x' })).not.toEqual([]);
  });

  test('every status of the error table is an {"error"} answer of the inference routes', () => {
    const infer = doc.paths['/v2/models/{model_name}/infer']!.post as {
      responses: Record<string, { $ref?: string }>;
    };
    for (const status of [400, 404, 413, 415, 429, 499, 500, 501, 503, 504]) {
      expect(infer.responses[String(status)]).toEqual({ $ref: `#/components/responses/Error${status}` });
      expect(doc.components.responses[`Error${status}`]).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      });
    }
  });

  test('SSE and WebSocket routes are described as such', () => {
    const stream = doc.paths['/v2/models/{model_name}/infer_stream']!;
    const sse = (stream.post as { responses: Record<string, Record<string, unknown>> }).responses['200']!;
    expect(Object.keys(sse.content as object)).toEqual(['text/event-stream']);
    expect(sse['x-sse-events']).toBeDefined();
    const ws = stream.get as { responses: Record<string, unknown>; 'x-websocket': Record<string, unknown> };
    expect(Object.keys(ws.responses)).toContain('101');
    expect(ws['x-websocket'].closeCodes).toMatchObject({
      '1000': expect.any(String),
      '1001': expect.any(String),
    });
  });

  test('per-model documents: the model routes, its name filled in, its tensors declared', async () => {
    const { status, body } = await getJson(`${running.url}/v2/models/raw-single/docs/dataplane.json`);
    expect(status).toBe(200);
    const model = body as OpenApiDocument;
    expect(await validateOpenApi(model)).toEqual({ valid: true, errors: undefined });
    expect(model.info.title).toBe('Data plane for model raw-single');
    expect(Object.keys(model.paths)).toContain('/v2/models/raw-single/infer');
    expect(Object.keys(model.paths).some((p) => p.includes('{model_name}'))).toBe(false);
    expect(Object.keys(model.paths)).not.toContain('/v2/health/live');
    const infer = model.paths['/v2/models/raw-single/infer']!.post as { parameters: { $ref: string }[] };
    expect(infer.parameters.map((p) => p.$ref)).not.toContain('#/components/parameters/ModelName');
    // The example request, built from the metadata, is accepted by the model and by the schema.
    const example = (model.components.examples.InferenceRequest as { value: unknown }).value;
    expect(example).toEqual({ inputs: [{ name: 'audio', shape: [1, 1], datatype: 'FP32', data: [0] }] });
    const modelChecker = new DocumentChecker(model);
    expect(modelChecker.validateAt('/components/schemas/InferenceRequest', example)).toEqual([]);
    const wrong = { inputs: [{ name: 'audio', shape: [1, 1], datatype: 'INT8', data: [0] }] };
    expect(modelChecker.validateAt('/components/schemas/InferenceRequest', wrong)).not.toEqual([]);
    const res = await fetch(`${running.url}/v2/models/raw-single/infer`, {
      method: 'POST',
      body: JSON.stringify(example),
    });
    expect(res.status).toBe(200);
    const problems = modelChecker.checkAnswer(
      '/v2/models/raw-single/infer',
      'post',
      res.status,
      res.headers.get('content-type')!,
      await res.text(),
    );
    expect(problems).toEqual([]);
  });

  test('a versioned model document keeps only the versioned routes, both filled in', async () => {
    const { body } = await getJson(`${running.url}/v2/models/versioned/versions/2/docs/dataplane.json`);
    const paths = Object.keys((body as OpenApiDocument).paths);
    expect(paths).toContain('/v2/models/versioned/versions/2/infer');
    expect(paths.every((p) => p.includes('/versions/2'))).toBe(true);
    expect((body as OpenApiDocument).info.title).toBe('Data plane for model versioned (version 2)');
  });

  test('the server URL is relative to the document, so root_path and prefix-stripping proxies work', async () => {
    expect(doc.servers).toEqual([{ url: '../../', description: 'this server' }]);
    const other = await startTestServer({
      root_path: '/prefix',
      model_repository_root: `${running.settings.model_repository_root}/sum`,
    });
    try {
      for (const path of ['/prefix/v2/docs/dataplane.json', '/prefix/v2/models/sum/docs/dataplane.json']) {
        const url = `${other.url}${path}`;
        const { status, body } = await getJson(url);
        expect(status).toBe(200);
        const server = new URL((body as OpenApiDocument).servers[0]!.url, url);
        expect(server.pathname).toBe('/prefix/');
        const live = await getJson(new URL('v2/health/live', server).href);
        expect(live).toEqual({ status: 200, body: { live: true } });
      }
      const page = await (await fetch(`${other.url}/prefix/v2/models/sum/docs`)).text();
      const documentUrl = /data-url="([^"]+)"/.exec(page)![1]!;
      expect(new URL(documentUrl, `${other.url}/prefix/v2/models/sum/docs`).pathname).toBe(
        '/prefix/v2/models/sum/docs/dataplane.json',
      );
    } finally {
      await other.stop();
    }
  });
});
