import * as ort from 'onnxruntime-node';
import { InferenceServer } from '../../server/server.js';
import { serverSettingsValidator } from '../../server/settings/server-settings.js';
import type { OnnxModel } from '../../runtimes/onnx/index.js';

/** A real server on a free port, serving one model repository. */
export interface RunningServer {
  server: InferenceServer;
  url: string;
  /** host:port of the gRPC listener (MLServer flavour). */
  grpcAddress: string;
  stop(): Promise<void>;
  /** The loaded ONNX runtime instance of a model. */
  onnxModel(name: string): OnnxModel;
}

/** Starts the real server on port 0 and waits for its models to load; `overrides` are settings. */
export async function startServer(
  root: string,
  overrides: Record<string, unknown> = {},
): Promise<RunningServer> {
  const settings = serverSettingsValidator.validate(
    {
      model_repository_root: root,
      http_port: 0,
      grpc_port: 0,
      metrics_endpoint: null,
      host: '127.0.0.1',
      shutdown_grace_period: 1,
      ...overrides,
    },
    'test',
  );
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const server = new InferenceServer({ settings, importModule: (url) => import(url), logger: quiet });
  const { http, grpc } = await server.start();
  await server.whenModelsLoaded();
  return {
    server,
    url: `http://127.0.0.1:${http}`,
    grpcAddress: `127.0.0.1:${grpc}`,
    stop: () => server.stop(),
    onnxModel: (name) => server.registry.get(name).model as OnnxModel,
  };
}

/** A JSON response: status and body. */
export interface JsonReply {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs an inference request over REST. */
export async function infer(url: string, model: string, body: unknown): Promise<JsonReply> {
  const response = await fetch(`${url}/v2/models/${encodeURIComponent(model)}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A response tensor as JSON carries it. */
export interface JsonOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** The named output of a REST inference response. */
export function output(reply: JsonReply, name: string): JsonOutput {
  const found = (reply.body.outputs as JsonOutput[] | undefined)?.find((o) => o.name === name);
  if (!found) throw new Error(`no output '${name}' in ${JSON.stringify(reply.body).slice(0, 300)}`);
  return found;
}

/** Runs a model file directly with onnxruntime-node: the reference the server is compared with. */
export async function runDirect(
  file: string,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(file);
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

/** A reference tensor's elements as JSON carries them (-0 as 0, bigint as number or decimal string). */
export function jsonElements(tensor: ort.Tensor): unknown[] {
  return Array.from(tensor.data as ArrayLike<unknown>, (value) => {
    if (Object.is(value, -0)) return 0;
    if (typeof value !== 'bigint') return value;
    const safe = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER);
    return safe ? Number(value) : value.toString();
  });
}
