import type { AddressInfo } from 'node:net';
import express from 'express';
import type { IncomingMessage } from 'node:http';
import { corsMiddleware } from '../server/rest/cors.js';
import { type CorsSettings, serverSettingsValidator } from '../server/settings/server-settings.js';
import { SettingsError } from '../server/settings/settings-error.js';
import { upgradeOriginAllowed } from '../server/ws/ws-origin.js';
import { type RawAnswer, rawRequest } from './helpers/raw-http.js';
import { type RunningServer, startTestServer } from './helpers/test-server.js';

/** `cors_settings` with MLServer's defaults for the fields not given. */
function cors(fields: Record<string, unknown>): CorsSettings {
  return serverSettingsValidator.validate({ cors_settings: fields }, 'settings.json').cors_settings!;
}

/** A bare express app with the middleware and two routes, on port 0. */
async function withApp(settings: CorsSettings, run: (url: string) => Promise<void>): Promise<void> {
  const app = express();
  app.use(corsMiddleware(settings));
  app.get('/thing', (_req, res) => {
    res.set('x-model-header', 'visible').json({ ok: true });
  });
  app.post('/thing', (_req, res) => {
    res.status(201).json({ posted: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const preflight = (url: string, origin: string, method: string, headers?: string) =>
  rawRequest(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers === undefined ? {} : { 'access-control-request-headers': headers }),
    },
  });

const cors_ = (answer: RawAnswer) =>
  Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  );

describe('CORS as MLServer applies it (Starlette CORSMiddleware semantics)', () => {
  const listed = cors({
    allow_origins: ['http://app.test'],
    allow_origin_regex: 'https://[a-z]+\\.apps\\.test',
    allow_credentials: true,
    allow_methods: ['GET', 'POST'],
    allow_headers: ['X-Request-Id'],
    expose_headers: ['x-model-header'],
    max_age: 42,
  });

  test('a preflight from an allowed origin is answered 200 with every allowance', async () => {
    await withApp(listed, async (url) => {
      const answer = await preflight(url, 'http://app.test', 'POST', 'content-type, x-request-id');
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('OK');
      expect(cors_(answer)).toEqual({
        'access-control-allow-origin': 'http://app.test',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers':
          'Accept, Accept-Language, Content-Language, Content-Type, X-Request-Id',
        'access-control-allow-credentials': 'true',
        'access-control-max-age': '42',
        vary: 'Origin',
      });
    });
  });

  test('a preflight names every failure (origin, method, headers) in a 400, without an allowed origin', async () => {
    await withApp(listed, async (url) => {
      const bad = await preflight(url, 'http://evil.test', 'PUT', 'x-other');
      expect(bad.status).toBe(400);
      expect(bad.body).toBe('Disallowed CORS origin, method, headers');
      expect(bad.headers['access-control-allow-origin']).toBeUndefined();
      expect((await preflight(url, 'http://app.test', 'DELETE')).body).toBe('Disallowed CORS method');
      expect((await preflight(url, 'http://app.test', 'GET', 'x-other')).body).toBe(
        'Disallowed CORS headers',
      );
      // Method names are compared as given (Starlette: `requested_method not in allow_methods`).
      expect((await preflight(url, 'http://app.test', 'post')).status).toBe(400);
    });
  });

  test('allow_origin_regex must match the whole origin', async () => {
    await withApp(listed, async (url) => {
      expect((await preflight(url, 'https://ui.apps.test', 'GET')).status).toBe(200);
      expect((await preflight(url, 'https://ui.apps.test.evil.test', 'GET')).status).toBe(400);
      expect((await preflight(url, 'http://ui.apps.test', 'GET')).status).toBe(400);
      const actual = await rawRequest(url, { headers: { origin: 'https://ui.apps.test' } });
      expect(actual.headers['access-control-allow-origin']).toBe('https://ui.apps.test');
    });
  });

  test('actual requests: allowed origins are named, with credentials and exposed headers', async () => {
    await withApp(listed, async (url) => {
      const ok = await rawRequest(url, { headers: { origin: 'http://app.test' } });
      expect(ok.status).toBe(200);
      expect(cors_(ok)).toEqual({
        'access-control-allow-origin': 'http://app.test',
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-model-header',
        vary: 'Origin',
      });
      const posted = await rawRequest(url, { method: 'POST', headers: { origin: 'http://app.test' } });
      expect(posted.status).toBe(201);
      expect(posted.headers['access-control-allow-origin']).toBe('http://app.test');
      // A disallowed origin is still answered (browsers enforce CORS) but never named.
      const other = await rawRequest(url, { headers: { origin: 'http://evil.test' } });
      expect(other.status).toBe(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      // No Origin: not a CORS request, no CORS headers at all.
      expect(cors_(await rawRequest(url))).toEqual({});
      // OPTIONS without Access-Control-Request-Method is not a preflight: it goes to the app.
      const options = await rawRequest(url, { method: 'OPTIONS', headers: { origin: 'http://app.test' } });
      expect(options.body).not.toBe('OK');
    });
  });

  test('`*` without credentials: every origin, answered with `*`; a request with cookies gets its origin', async () => {
    await withApp(cors({ allow_origins: ['*'] }), async (url) => {
      const pre = await preflight(url, 'http://any.test', 'GET');
      expect(pre.status).toBe(200);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers.vary).toBeUndefined();
      const actual = await rawRequest(url, { headers: { origin: 'http://any.test' } });
      expect(actual.headers['access-control-allow-origin']).toBe('*');
      expect(actual.headers['access-control-allow-credentials']).toBeUndefined();
      const cookie = await rawRequest(url, { headers: { origin: 'http://any.test', cookie: 'a=1' } });
      expect(cookie.headers['access-control-allow-origin']).toBe('http://any.test');
      expect(cookie.headers.vary).toBe('Origin');
      // MLServer's defaults allow only GET.
      expect((await preflight(url, 'http://any.test', 'POST')).body).toBe('Disallowed CORS method');
    });
  });

  test('`*` with credentials: preflights echo the origin; credentialed requests get it too', async () => {
    await withApp(cors({ allow_origins: ['*'], allow_credentials: true }), async (url) => {
      const pre = await preflight(url, 'http://any.test', 'GET');
      expect(pre.headers['access-control-allow-origin']).toBe('http://any.test');
      expect(pre.headers['access-control-allow-credentials']).toBe('true');
      expect(pre.headers.vary).toBe('Origin');
      const plain = await rawRequest(url, { headers: { origin: 'http://any.test' } });
      expect(plain.headers['access-control-allow-origin']).toBe('*');
      const auth = await rawRequest(url, {
        headers: { origin: 'http://any.test', authorization: 'Bearer x' },
      });
      expect(auth.headers['access-control-allow-origin']).toBe('http://any.test');
    });
  });

  test('`*` methods and headers: every standard method; requested headers mirrored', async () => {
    await withApp(
      cors({ allow_origins: ['http://app.test'], allow_methods: ['*'], allow_headers: ['*'] }),
      async (url) => {
        const pre = await preflight(url, 'http://app.test', 'PATCH', 'x-anything, x-else');
        expect(pre.status).toBe(200);
        expect(pre.headers['access-control-allow-methods']).toBe(
          'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
        );
        expect(pre.headers['access-control-allow-headers']).toBe('x-anything, x-else');
        const noHeaders = await preflight(url, 'http://app.test', 'GET');
        expect(noHeaders.headers['access-control-allow-headers']).toBeUndefined();
      },
    );
  });

  test('MLServer defaults (`cors_settings: {}`): no origin allowed', async () => {
    await withApp(cors({}), async (url) => {
      const pre = await preflight(url, 'http://app.test', 'GET');
      expect(pre.status).toBe(400);
      expect(pre.headers['access-control-max-age']).toBe('600');
      expect((await rawRequest(url, { headers: { origin: 'http://app.test' } })).headers).not.toHaveProperty(
        'access-control-allow-origin',
      );
    });
  });

  test('an invalid allow_origin_regex is a settings error at start-up', () => {
    expect(() => cors({ allow_origin_regex: '(' })).toThrow(SettingsError);
    expect(() => cors({ allow_origin_regex: '(' })).toThrow(/cors_settings\.allow_origin_regex/);
  });

  test("the WebSocket upgrade's Origin check agrees with the HTTP preflights, setting for setting", async () => {
    const origins = [
      'http://app.test',
      'https://ui.apps.test',
      'https://ui.apps.test.evil.test',
      'http://ui.apps.test',
      'http://evil.test',
      'null',
    ];
    for (const settings of [
      listed,
      cors({ allow_origins: ['*'] }),
      cors({}),
      cors({ allow_origin_regex: 'http://.*' }),
    ]) {
      await withApp(settings, async (url) => {
        for (const origin of origins) {
          const preflightAllows = !(await preflight(url, origin, 'GET')).body.includes('origin');
          const upgrade = { headers: { origin, host: 'server.test' } } as unknown as IncomingMessage;
          expect([origin, upgradeOriginAllowed(upgrade, settings)]).toEqual([origin, preflightAllows]);
        }
      });
    }
  });
});

describe('CORS on the real server: every route, errors, SSE and root_path', () => {
  let running: RunningServer;
  const origin = 'http://app.test';
  beforeAll(async () => {
    running = await startTestServer({
      root_path: '/prefix',
      cors_settings: {
        allow_origins: [origin],
        allow_methods: ['GET', 'POST'],
        expose_headers: ['x-model-header'],
      },
    });
  });
  afterAll(() => running.stop());

  test('preflight and inference, with the runtime header exposed', async () => {
    const url = `${running.url}/v2/models/echo-headers/infer`;
    const pre = await preflight(url, origin, 'POST', 'content-type');
    expect(pre.status).toBe(200);
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [1] }] });
    const answer = await rawRequest(url, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-model-header']).toBe('from-the-model');
    expect(answer.headers['access-control-allow-origin']).toBe(origin);
    expect(answer.headers['access-control-expose-headers']).toBe('x-model-header');
  });

  test('errors and unknown routes carry the CORS headers too; root_path as well', async () => {
    for (const path of [
      '/v2/models/nope',
      '/no/such/route',
      '/prefix/v2/models/nope',
      '/prefix/v2/health/live',
    ]) {
      const answer = await rawRequest(`${running.url}${path}`, { headers: { origin } });
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
    }
    const pre = await preflight(`${running.url}/prefix/v2/models/sum/infer`, origin, 'POST');
    expect(pre.status).toBe(200);
  });

  test('an SSE stream carries the CORS headers', async () => {
    const answer = await rawRequest(`${running.url}/v2/models/text-stream/infer_stream`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            name: 'prompt',
            shape: [1],
            datatype: 'BYTES',
            data: ['a b'],
            parameters: { content_type: 'str' },
          },
        ],
      }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(answer.headers['access-control-allow-origin']).toBe(origin);
    expect(answer.headers.vary).toBe('Origin');
    expect(answer.body.match(/^data: /gm)).toHaveLength(2);
  });
});
