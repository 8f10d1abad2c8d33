import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GrpcObject, ServiceDefinition } from '@grpc/grpc-js';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { withWireCodec } from './codec/hot-methods.js';

/** Which `ModelStreamInfer` a listener speaks. */
export type StreamFlavour = 'mlserver' | 'triton';

/** The `protos/` folder: two levels up from the sources (server/grpc), three from the build. */
export const PROTOS_DIR = ['../../protos', '../../../protos']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((dir) => existsSync(dir))!;

/**
 * How the server reads the protos: field names as written, 64-bit integers as decimal strings
 * (converted to bigint without loss), absent repeated fields and maps as empty, oneofs named.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
  includeDirs: [PROTOS_DIR],
};

/** The proto file of each served service, by its full name. */
export const SERVICE_FILES = {
  'inference.GRPCInferenceService': 'inference/dataplane.proto',
  'inference.triton.GRPCInferenceService': 'inference/triton/stream.proto',
  'inference.model_repository.ModelRepositoryService': 'inference/model_repository.proto',
  'grpc.health.v1.Health': 'grpc/health/v1/health.proto',
} as const;

/** A service this server implements, by its full name. */
export type ServiceName = keyof typeof SERVICE_FILES;

/**
 * Loads one service's definition (method paths, serializers) from its proto file; the inference
 * hot paths read and write the wire themselves (`codec/`), the rest through proto-loader.
 */
export function loadService(name: ServiceName): ServiceDefinition {
  return withWireCodec(loadProtoLoaderService(name));
}

/** One service's definition exactly as proto-loader makes it (no wire codec): for comparisons. */
export function loadProtoLoaderService(name: ServiceName): ServiceDefinition {
  const root = loadPackageDefinition(loadSync(SERVICE_FILES[name], LOADER_OPTIONS));
  let node: unknown = root;
  for (const part of name.split('.')) node = (node as GrpcObject)[part];
  return (node as { service: ServiceDefinition }).service;
}
