import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/logger.js';
import { type BoundPorts, InferenceServer } from '../../server/server.js';
import { type ServerSettings, serverSettingsValidator } from '../../server/settings/server-settings.js';

/** The fixture runtimes: sum, echo, error, text stream, slow stream, failing load. */
export const FIXTURE_MODELS = path.resolve(import.meta.dirname, '../fixtures/models');

/** A running server on free ports, and how to reach it. */
export interface RunningServer {
  server: InferenceServer;
  url: string;
  ports: BoundPorts;
  settings: ServerSettings;
  stop(): Promise<void>;
}

/**
 * Starts a real server on port 0 over a model repository (the fixtures by default) and waits
 * until its models have loaded. Inside jest, runtimes are imported by jest itself.
 */
export async function startTestServer(overrides: Record<string, unknown> = {}): Promise<RunningServer> {
  const settings = serverSettingsValidator.validate(
    {
      model_repository_root: FIXTURE_MODELS,
      http_port: 0,
      grpc_port: 0,
      metrics_endpoint: null,
      host: '127.0.0.1',
      shutdown_grace_period: 5,
      ...overrides,
    },
    'test settings',
  );
  const server = new InferenceServer({ settings, importModule: (url) => import(url), logger: silentLogger });
  const ports = await server.start();
  await server.whenModelsLoaded();
  return { server, settings, ports, url: `http://127.0.0.1:${ports.http}`, stop: () => server.stop() };
}

/** A temporary folder, removed by the returned function. */
export async function tempFolder(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** POSTs JSON and returns status, headers and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** GETs a URL and returns status and parsed JSON body. */
export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
