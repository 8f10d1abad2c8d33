import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { AccessControl } from '../../server/access.js';
import { PermissionDeniedError, UnauthenticatedError } from '../../server/errors.js';
import { grpcScope } from '../../server/grpc/access-interceptor.js';
import { restScope } from '../../server/rest/access-middleware.js';
import { serverSettingsValidator } from '../../server/settings/server-settings.js';
import { call, clientFor, type Harness, startServer, textInput } from '../grpc/harness.js';
import { startCliServer } from '../helpers/cli-server.js';

const REPO = path.resolve(import.meta.dirname, '../fixtures/security/repo');
const Inference = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');

const INFER = 'inference-secret-0123456789';
const ADMIN = 'admin-secret-0123456789';

function control(settings: Record<string, unknown>): AccessControl {
  return new AccessControl(serverSettingsValidator.validate(settings, 'test'));
}

describe('AccessControl (the core, for every transport)', () => {
  test('no tokens: every scope is open', () => {
    const access = control({});
    expect(access.enabled).toBe(false);
    for (const scope of ['health', 'inference', 'repository', 'model_control'] as const) {
      expect(() => access.check({}, scope)).not.toThrow();
    }
  });

  test('inference tokens: Bearer or the API-key header; health stays open; repository takes them too', () => {
    const access = control({ auth_inference_tokens: [INFER, 'rotated-token'] });
    expect(() => access.check({}, 'health')).not.toThrow();
    expect(() => access.check({}, 'inference')).toThrow(UnauthenticatedError);
    expect(() => access.check({ authorization: `Bearer ${INFER}` }, 'inference')).not.toThrow();
    expect(() => access.check({ authorization: `bearer ${INFER}` }, 'inference')).not.toThrow();
    expect(() => access.check({ authorization: 'Bearer rotated-token' }, 'inference')).not.toThrow();
    expect(() => access.check({ 'x-api-key': INFER }, 'inference')).not.toThrow();
    expect(() => access.check({ authorization: `Basic ${INFER}` }, 'inference')).toThrow(
      UnauthenticatedError,
    );
    expect(() => access.check({ authorization: 'Bearer wrong' }, 'inference')).toThrow(
      'the token is not valid',
    );
    expect(() => access.check({ authorization: `Bearer ${INFER}` }, 'repository')).not.toThrow();
    expect(() => access.check({}, 'model_control')).toThrow(UnauthenticatedError);
  });

  test('admin tokens: the repository API needs them; they also open inference', () => {
    const access = control({ auth_inference_tokens: INFER, auth_admin_tokens: [ADMIN] });
    expect(() => access.check({ authorization: `Bearer ${INFER}` }, 'repository')).toThrow(
      PermissionDeniedError,
    );
    expect(() => access.check({ authorization: `Bearer ${INFER}` }, 'model_control')).toThrow(
      'this token does not open the repository API',
    );
    expect(() => access.check({ authorization: `Bearer ${ADMIN}` }, 'model_control')).not.toThrow();
    expect(() => access.check({ authorization: `Bearer ${ADMIN}` }, 'inference')).not.toThrow();
    expect(() => access.check({ authorization: 'Bearer other' }, 'repository')).toThrow(UnauthenticatedError);
  });

  test('admin tokens alone leave inference open', () => {
    const access = control({ auth_admin_tokens: ADMIN });
    expect(() => access.check({}, 'inference')).not.toThrow();
    expect(() => access.check({}, 'repository')).toThrow(UnauthenticatedError);
  });

  test('a custom API-key header, or none (Bearer only)', () => {
    const custom = control({ auth_inference_tokens: INFER, auth_api_key_header: 'X-Triton-Key' });
    expect(() => custom.check({ 'x-triton-key': INFER }, 'inference')).not.toThrow();
    expect(() => custom.check({ 'x-api-key': INFER }, 'inference')).toThrow(UnauthenticatedError);
    const bearerOnly = control({ auth_inference_tokens: INFER, auth_api_key_header: null });
    expect(() => bearerOnly.check({ 'x-api-key': INFER }, 'inference')).toThrow(
      "this call needs a token: send 'Authorization: Bearer <token>'",
    );
  });

  test('repository_load_unload: false refuses load and unload whatever the token', () => {
    const access = control({ repository_load_unload: false, auth_admin_tokens: ADMIN });
    expect(() => access.check({ authorization: `Bearer ${ADMIN}` }, 'model_control')).toThrow(
      'model load and unload are disabled on this server (setting repository_load_unload)',
    );
    expect(() => access.check({ authorization: `Bearer ${ADMIN}` }, 'repository')).not.toThrow();
  });

  test('the scope of every REST route and gRPC method', () => {
    expect(restScope('GET', '/v2/health/live')).toBe('health');
    expect(restScope('GET', '/v2/health/ready')).toBe('health');
    expect(restScope('GET', '/v2/models/m/ready')).toBe('health');
    expect(restScope('GET', '/v2/models/m/versions/2/ready')).toBe('health');
    expect(restScope('GET', '/v2')).toBe('inference');
    expect(restScope('GET', '/v2/models/m')).toBe('inference');
    expect(restScope('POST', '/v2/models/m/infer')).toBe('inference');
    expect(restScope('GET', '/v2/models/stats')).toBe('inference');
    expect(restScope('POST', '/v2/repository/index')).toBe('repository');
    expect(restScope('POST', '/v2/repository/models/m/load')).toBe('model_control');
    expect(restScope('POST', '/v2/repository/models/m/unload')).toBe('model_control');
    expect(restScope('GET', '/examples/asr/')).toBe('health'); // static page files, no data
    expect(restScope('GET', '/examples/asr/page.js')).toBe('health');
    expect(restScope('POST', '/examples/asr/')).toBe('inference');
    expect(grpcScope('/grpc.health.v1.Health/Check')).toBe('health');
    expect(grpcScope('/inference.GRPCInferenceService/ServerLive')).toBe('health');
    expect(grpcScope('/inference.GRPCInferenceService/ModelReady')).toBe('health');
    expect(grpcScope('/inference.GRPCInferenceService/ModelInfer')).toBe('inference');
    expect(grpcScope('/inference.triton.GRPCInferenceService/ModelStreamInfer')).toBe('inference');
    expect(grpcScope('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo')).toBe('inference');
    expect(grpcScope('/inference.GRPCInferenceService/RepositoryIndex')).toBe('repository');
    expect(grpcScope('/inference.GRPCInferenceService/RepositoryModelUnload')).toBe('model_control');
    expect(grpcScope('/inference.model_repository.ModelRepositoryService/RepositoryModelLoad')).toBe(
      'model_control',
    );
  });
});

describe('tokens on a real server: REST and gRPC', () => {
  let h: Harness;
  let http: string;
  beforeAll(async () => {
    h = await startServer({ auth_inference_tokens: INFER, auth_admin_tokens: ADMIN });
    http = `http://127.0.0.1:${h.ports.http}`;
  });
  afterAll(async () => {
    await h.close();
  });

  const infer = (headers: Record<string, string> = {}) =>
    fetch(`${http}/v2/models/echo/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['hi'] }] }),
    });

  test('REST: 401 with WWW-Authenticate without a token, 200 with either header; health open', async () => {
    const refused = await infer();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.json()).toEqual({
      error: "this call needs a token: send 'Authorization: Bearer <token>' or 'x-api-key: <token>'",
    });
    expect((await infer({ authorization: 'Bearer nope' })).status).toBe(401);
    expect((await infer({ authorization: `Bearer ${INFER}` })).status).toBe(200);
    expect((await infer({ 'x-api-key': INFER })).status).toBe(200);
    expect((await fetch(`${http}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${http}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${http}/v2/models/echo/ready`)).status).toBe(200);
    expect((await fetch(`${http}/v2/models/echo`)).status).toBe(401);
    expect((await fetch(`${http}/v2`)).status).toBe(401);
  });

  test('REST: the repository API needs the admin token (403 with an inference token)', async () => {
    const index = (token?: string) =>
      fetch(`${http}/v2/repository/index`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: '{}',
      });
    expect((await index()).status).toBe(401);
    expect((await index(INFER)).status).toBe(403);
    expect((await index(ADMIN)).status).toBe(200);
    const unload = await fetch(`${http}/v2/repository/models/echo/unload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INFER}` },
    });
    expect(unload.status).toBe(403);
    expect((await fetch(`${http}/v2/models/echo/ready`)).status).toBe(200);
  });

  test('gRPC: UNAUTHENTICATED without a token, the call runs with one; health open', async () => {
    const request = { model_name: 'echo', inputs: [textInput('hi')] };
    await expect(call(h.mlserver, 'ModelInfer', request)).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    await expect(call(h.triton, 'ModelMetadata', { name: 'echo' })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    const bearer = new grpc.Metadata();
    bearer.set('authorization', `Bearer ${INFER}`);
    expect(await call(h.mlserver, 'ModelInfer', request, { metadata: bearer })).toMatchObject({
      model_name: 'echo',
    });
    const apiKey = new grpc.Metadata();
    apiKey.set('x-api-key', INFER);
    expect(await call(h.triton, 'ModelMetadata', { name: 'echo' }, { metadata: apiKey })).toMatchObject({
      name: 'echo',
    });
    expect(await call(h.mlserver, 'ServerLive', {})).toEqual({ live: true });
    expect(await call(h.mlserver, 'ModelReady', { name: 'echo' })).toEqual({ ready: true });
    const Health = clientFor('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
    const health = new Health(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      expect(await call(health, 'Check', { service: '' })).toEqual({ status: 'SERVING' });
    } finally {
      health.close();
    }
  });

  test('gRPC: repository RPCs need the admin token, on both services', async () => {
    const inference = new grpc.Metadata();
    inference.set('authorization', `Bearer ${INFER}`);
    const admin = new grpc.Metadata();
    admin.set('authorization', `Bearer ${ADMIN}`);
    await expect(
      call(h.mlserver, 'RepositoryModelUnload', { model_name: 'echo' }, { metadata: inference }),
    ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(call(h.mlserver, 'RepositoryIndex', {})).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    const Repository = clientFor(
      'inference/model_repository.proto',
      'inference.model_repository.ModelRepositoryService',
    );
    const repository = new Repository(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
    try {
      await expect(
        call(repository, 'RepositoryModelUnload', { model_name: 'echo' }, { metadata: inference }),
      ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
      const index = await call<{ models: { name: string }[] }>(
        repository,
        'RepositoryIndex',
        {},
        { metadata: admin },
      );
      expect(index.models.map((m) => m.name)).toContain('echo');
    } finally {
      repository.close();
    }
    expect(await call(h.mlserver, 'ModelReady', { name: 'echo' })).toEqual({ ready: true });
  });
});

describe('load and unload out of a browser’s reach (no tokens configured)', () => {
  let h: Harness;
  let http: string;
  beforeAll(async () => {
    h = await startServer({ cors_settings: { allow_origins: ['https://console.example'] } });
    http = `http://127.0.0.1:${h.ports.http}`;
  });
  afterAll(async () => {
    await h.close();
  });

  test("the issue's request (Origin: evil, text/plain body) is refused and the model stays ready", async () => {
    const res = await fetch(`${http}/v2/repository/models/echo/unload`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error:
        "model load and unload are not accepted from the web origin 'http://evil.example' (allow it in cors_settings.allow_origins)",
    });
    expect((await fetch(`${http}/v2/models/echo/ready`)).status).toBe(200);
    expect((await fetch(`${http}/v2/health/ready`)).status).toBe(200);
  });

  test.each([
    ['text/plain', '{}'],
    ['application/x-www-form-urlencoded', 'a=b'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('a %s body (a simple request) is 415 even without Origin', async (type, body) => {
    const res = await fetch(`${http}/v2/repository/models/echo/unload`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    expect(res.status).toBe(415);
    expect((await fetch(`${http}/v2/models/echo/ready`)).status).toBe(200);
  });

  test('non-browser clients and allowed origins still load and unload', async () => {
    const bare = await fetch(`${http}/v2/repository/models/echo/unload`, { method: 'POST' });
    expect(bare.status).toBe(200);
    expect((await fetch(`${http}/v2/models/echo/ready`)).status).not.toBe(200);
    const allowed = await fetch(`${http}/v2/repository/models/echo/load`, {
      method: 'POST',
      headers: { origin: 'https://console.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(allowed.status).toBe(200);
    expect((await fetch(`${http}/v2/models/echo/ready`)).status).toBe(200);
  });

  test('the index (read-only) still takes any body, as curl -d sends it', async () => {
    const res = await fetch(`${http}/v2/repository/index`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{}',
    });
    expect(res.status).toBe(200);
  });
});

describe('repository_load_unload: false', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startServer({ repository_load_unload: false });
  });
  afterAll(async () => {
    await h.close();
  });

  test('REST 403 and gRPC PERMISSION_DENIED; the index still answers', async () => {
    const http = `http://127.0.0.1:${h.ports.http}`;
    const res = await fetch(`${http}/v2/repository/models/echo/unload`, { method: 'POST' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'model load and unload are disabled on this server (setting repository_load_unload)',
    });
    await expect(call(h.mlserver, 'RepositoryModelLoad', { model_name: 'echo' })).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: 'model load and unload are disabled on this server (setting repository_load_unload)',
    });
    await expect(call(h.triton, 'RepositoryModelUnload', { model_name: 'echo' })).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    expect((await call<{ models: unknown[] }>(h.mlserver, 'RepositoryIndex', {})).models.length).toBe(5);
    expect(await call(h.mlserver, 'ModelReady', { name: 'echo' })).toEqual({ ready: true });
  });
});

test('through the CLI: tokens from MLSERVER_* variables on REST and gRPC; the issue’s browser unload is refused', async () => {
  const server = await startCliServer(REPO, {
    models: ['wait'],
    env: { MLSERVER_AUTH_INFERENCE_TOKENS: INFER, MLSERVER_AUTH_ADMIN_TOKENS: `["${ADMIN}"]` },
  });
  const client = new Inference(server.grpc, grpc.credentials.createInsecure());
  try {
    const infer = (headers: Record<string, string>) =>
      fetch(`${server.http}/v2/models/wait/infer`, { method: 'POST', headers, body: '{"inputs":[]}' });
    expect((await infer({})).status).toBe(401);
    expect((await infer({ authorization: `Bearer ${INFER}` })).status).toBe(200);
    expect((await fetch(`${server.http}/v2/health/ready`)).status).toBe(200);
    const evil = await fetch(`${server.http}/v2/repository/models/wait/unload`, {
      method: 'POST',
      headers: {
        origin: 'http://evil.example',
        'content-type': 'text/plain',
        authorization: `Bearer ${ADMIN}`,
      },
      body: '{}',
    });
    expect(evil.status).toBe(403);
    const metadata = (token: string) => {
      const m = new grpc.Metadata();
      m.set('authorization', `Bearer ${token}`);
      return m;
    };
    await expect(call(client, 'ModelInfer', { model_name: 'wait', inputs: [] })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    expect(
      await call(client, 'ModelInfer', { model_name: 'wait', inputs: [] }, { metadata: metadata(INFER) }),
    ).toMatchObject({ model_name: 'wait' });
    await expect(
      call(client, 'RepositoryModelUnload', { model_name: 'wait' }, { metadata: metadata(INFER) }),
    ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect(await call(client, 'ServerReady', {})).toEqual({ ready: true });
    expect(
      await call(client, 'RepositoryModelUnload', { model_name: 'wait' }, { metadata: metadata(ADMIN) }),
    ).toEqual({});
    const ready = await call(client, 'ModelReady', { name: 'wait' }).catch(() => ({ ready: false }));
    expect(ready).toEqual({ ready: false });
    expect(server.cli.output()).not.toContain(INFER);
    expect(server.cli.output()).not.toContain(ADMIN);
  } finally {
    client.close();
    await server.stop();
  }
});
