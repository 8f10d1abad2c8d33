import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Agent, fetch as undiciFetch } from 'undici';
import { call, clientFor } from '../grpc/harness.js';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { CLI } from '../helpers/cli-process.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';

const REPO = path.resolve(import.meta.dirname, '../fixtures/security/repo');
const run = promisify(execFile);
const Inference = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');

let dir: string;
let certs: TestCertificates;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-tls-'));
  certs = makeCertificates(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const INFER_BODY = JSON.stringify({ inputs: [] });

/** undici's fetch through an agent that trusts the test CA (and presents a client certificate). */
function fetchWith(
  url: string,
  connect: Record<string, unknown>,
  init: { method?: string; body?: string } = {},
) {
  const dispatcher = new Agent({ connect: { servername: 'localhost', ...connect } });
  return undiciFetch(url, { ...init, dispatcher }).finally(() => dispatcher.close());
}

function grpcClient(server: CliServer, credentials: grpc.ChannelCredentials) {
  return new Inference(server.grpc, credentials) as grpc.Client;
}

async function grpcCall(
  server: CliServer,
  credentials: grpc.ChannelCredentials,
  method: string,
  request: object,
) {
  const client = grpcClient(server, credentials);
  try {
    return await call(client, method, request, { deadline: Date.now() + 10_000 });
  } finally {
    client.close();
  }
}

describe('TLS from PEM files (through the CLI)', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(REPO, {
      models: ['wait'],
      env: { MLSERVER_TLS_CERT_FILE: certs.serverCertFile, MLSERVER_TLS_KEY_FILE: certs.serverKeyFile },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  test('REST: HTTPS with the CA trusted; a client that does not trust it fails', async () => {
    expect(server.http).toMatch(/^https:/);
    const ca = certs.read(certs.caFile);
    const live = await fetchWith(`${server.http}/v2/health/live`, { ca });
    expect(live.status).toBe(200);
    const infer = await fetchWith(
      `${server.http}/v2/models/wait/infer`,
      { ca },
      { method: 'POST', body: INFER_BODY },
    );
    expect(infer.status).toBe(200);
    await expect(fetch(`${server.http}/v2/health/live`)).rejects.toThrow();
    await expect(fetch(server.http.replace('https:', 'http:'))).rejects.toThrow();
  });

  test('gRPC: ssl credentials with the CA; an insecure channel fails', async () => {
    expect(server.cli.output()).toMatch(
      /gRPC server running on .*\(ModelStreamInfer: MLServer flavour\) over TLS/,
    );
    const ssl = grpc.credentials.createSsl(certs.read(certs.caFile));
    expect(await grpcCall(server, ssl, 'ServerLive', {})).toEqual({ live: true });
    expect(await grpcCall(server, ssl, 'ModelInfer', { model_name: 'wait', inputs: [] })).toMatchObject({
      model_name: 'wait',
    });
    await expect(grpcCall(server, grpc.credentials.createInsecure(), 'ServerLive', {})).rejects.toMatchObject(
      {
        code: grpc.status.UNAVAILABLE,
      },
    );
  });
});

describe('mutual TLS: tls_ca_file makes client certificates required (through the CLI)', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(REPO, {
      models: ['wait'],
      env: {
        MLSERVER_TLS_CERT_FILE: certs.serverCertFile,
        MLSERVER_TLS_KEY_FILE: certs.serverKeyFile,
        MLSERVER_TLS_CA_FILE: certs.caFile,
      },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  test('REST: with the client certificate 200; without one, or with a stranger’s, no answer', async () => {
    const ca = certs.read(certs.caFile);
    const withCert = await fetchWith(
      `${server.http}/v2/models/wait/infer`,
      { ca, cert: certs.read(certs.clientCertFile), key: certs.read(certs.clientKeyFile) },
      { method: 'POST', body: INFER_BODY },
    );
    expect(withCert.status).toBe(200);
    await expect(fetchWith(`${server.http}/v2/health/live`, { ca })).rejects.toThrow();
    await expect(
      fetchWith(`${server.http}/v2/health/live`, {
        ca,
        cert: certs.read(certs.rogueCertFile),
        key: certs.read(certs.rogueKeyFile),
      }),
    ).rejects.toThrow();
  });

  test('gRPC: with the client certificate the call runs; without one, or with a stranger’s, UNAVAILABLE', async () => {
    expect(server.cli.output()).toMatch(/over mutual TLS/);
    const ca = certs.read(certs.caFile);
    const mutual = grpc.credentials.createSsl(
      ca,
      certs.read(certs.clientKeyFile),
      certs.read(certs.clientCertFile),
    );
    expect(await grpcCall(server, mutual, 'ModelInfer', { model_name: 'wait', inputs: [] })).toMatchObject({
      model_name: 'wait',
    });
    await expect(grpcCall(server, grpc.credentials.createSsl(ca), 'ServerLive', {})).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    const rogue = grpc.credentials.createSsl(
      ca,
      certs.read(certs.rogueKeyFile),
      certs.read(certs.rogueCertFile),
    );
    await expect(grpcCall(server, rogue, 'ServerLive', {})).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });
});

describe('bad TLS settings are settings errors (exit code 2, before any port is bound)', () => {
  const start = (env: Record<string, string>) =>
    run(process.execPath, [CLI, 'start', REPO], {
      env: { ...process.env, NODE_OPTIONS: '', MLSERVER_HTTP_PORT: '0', MLSERVER_GRPC_PORT: '0', ...env },
    }).catch((err: { code: number; stderr: string; stdout: string }) => err);

  test.each([
    [{ MLSERVER_TLS_CERT_FILE: '/nonexistent/cert.pem' }, 'tls_key_file: required when tls_cert_file is set'],
    [
      { MLSERVER_TLS_CERT_FILE: '/nonexistent/cert.pem', MLSERVER_TLS_KEY_FILE: '/nonexistent/key.pem' },
      'tls_cert_file: cannot read /nonexistent/cert.pem (ENOENT)',
    ],
    [{ MLSERVER_TLS_CA_FILE: '/etc/hostname' }, 'tls_ca_file: needs tls_cert_file and tls_key_file'],
  ])('%j', async (env, problem) => {
    const result = (await start(env)) as { code: number; stderr: string; stdout: string };
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(problem);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/server running/);
  });

  test('a key that is not the certificate’s: the message names the fields, not the files’ contents', async () => {
    const result = (await start({
      MLSERVER_TLS_CERT_FILE: certs.serverCertFile,
      MLSERVER_TLS_KEY_FILE: certs.clientKeyFile,
    })) as { code: number; stderr: string };
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tls_cert_file, tls_key_file, tls_ca_file: not usable PEM');
    expect(result.stderr).not.toContain('BEGIN');
  });
});
