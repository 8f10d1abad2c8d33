import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { silentLogger } from '../../server/logger.js';
import { type BoundPorts, InferenceServer } from '../../server/server.js';
import { serverSettingsValidator } from '../../server/settings/server-settings.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The project's protos, as a client would use them. */
export const PROTOS = path.resolve(here, '../../protos');

const CLIENT_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTOS],
};

/** A client constructor for a service in one of the protos. */
export function clientFor(file: string, service: string): grpc.ServiceClientConstructor {
  const root = grpc.loadPackageDefinition(protoLoader.loadSync(file, CLIENT_OPTIONS));
  let node: unknown = root;
  for (const part of service.split('.')) node = (node as Record<string, unknown>)[part];
  return node as grpc.ServiceClientConstructor;
}

/**
 * A client for the Triton listener as Triton's own stubs see it: `inference.GRPCInferenceService`
 * with `ModelStreamInfer` answering `ModelStreamInferResponse` (inference/triton/stream.proto) at
 * the standard path.
 */
export function tritonClientConstructor(): grpc.ServiceClientConstructor {
  const inference = protoLoader.loadSync('inference/dataplane.proto', CLIENT_OPTIONS)[
    'inference.GRPCInferenceService'
  ] as grpc.ServiceDefinition;
  const triton = protoLoader.loadSync('inference/triton/stream.proto', CLIENT_OPTIONS)[
    'inference.triton.GRPCInferenceService'
  ] as grpc.ServiceDefinition;
  const stream = { ...triton.ModelStreamInfer!, path: inference.ModelStreamInfer!.path };
  return grpc.makeGenericClientConstructor(
    { ...inference, ModelStreamInfer: stream },
    'GRPCInferenceService',
  );
}

/** A running server on port 0 with the fixture models, and clients for its listeners. */
export interface Harness {
  server: InferenceServer;
  ports: BoundPorts;
  /** Built from protos/inference/dataplane.proto (MLServer's stream signature). */
  mlserver: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  /** `tritonClientConstructor()`, on grpc_triton_port. */
  triton: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  close(): Promise<void>;
}

/** Starts the real server with the fixture repository (copied to a temp folder). */
export async function startServer(settings: Record<string, unknown> = {}): Promise<Harness> {
  const root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-grpc-'));
  await cp(path.join(here, 'fixtures'), root, { recursive: true });
  const validated = serverSettingsValidator.validate(
    {
      model_repository_root: root,
      http_port: 0,
      grpc_port: 0,
      grpc_triton_port: 0,
      metrics_endpoint: null,
      shutdown_grace_period: 1,
      ...settings,
    },
    'test',
  );
  const server = new InferenceServer({
    settings: validated,
    importModule: (url) => import(url),
    logger: silentLogger,
  });
  const ports = await server.start();
  await server.whenModelsLoaded();
  const insecure = grpc.credentials.createInsecure();
  const MlClient = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  const TritonClient = tritonClientConstructor();
  const mlserver = new MlClient(`127.0.0.1:${ports.grpc}`, insecure) as Harness['mlserver'];
  const triton = new TritonClient(`127.0.0.1:${ports.grpcTriton}`, insecure) as Harness['triton'];
  return {
    server,
    ports,
    mlserver,
    triton,
    async close() {
      mlserver.close();
      triton.close();
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Calls a unary method and resolves with the reply or rejects with the ServiceError. */
export function call<T = Record<string, unknown>>(
  client: object,
  method: string,
  request: unknown,
  options: { metadata?: grpc.Metadata; deadline?: grpc.Deadline } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (client as Record<string, (...args: unknown[]) => unknown>)[method]!.bind(client);
    fn(
      request,
      options.metadata ?? new grpc.Metadata(),
      { deadline: options.deadline },
      (err: unknown, reply: T) => (err ? reject(err) : resolve(reply)),
    );
  });
}

/** What the fixture runtimes recorded (shared through globalThis with fixtures/runtimes.ts). */
export function seenByRuntimes(): { started: string[]; aborts: unknown[] } {
  const shared = globalThis as { __grpcTestSeen?: { started: string[]; aborts: unknown[] } };
  shared.__grpcTestSeen ??= { started: [], aborts: [] };
  return shared.__grpcTestSeen;
}

/** Resolves once the hang runtime has started request `id` (no time limit of its own). */
export async function runtimeStarted(id: string): Promise<void> {
  while (!seenByRuntimes().started.includes(id)) await new Promise((resolve) => setImmediate(resolve));
}

/** A BYTES input holding one string. */
export function textInput(text: string, name = 'prompt') {
  return { name, datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from(text)] } };
}

/** The string elements of a typed-contents BYTES output. */
export function texts(output: { contents?: { bytes_contents?: Uint8Array[] } }): string[] {
  return (output.contents?.bytes_contents ?? []).map((b) => Buffer.from(b).toString('utf8'));
}

/** The string elements of a raw BYTES tensor (each after a 4-byte little-endian length). */
export function rawTexts(raw: Uint8Array): string[] {
  const bytes = Buffer.from(raw);
  const out: string[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const length = bytes.readUInt32LE(offset);
    out.push(bytes.subarray(offset + 4, offset + 4 + length).toString('utf8'));
    offset += 4 + length;
  }
  return out;
}
