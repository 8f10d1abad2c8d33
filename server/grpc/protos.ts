import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GrpcObject, ServiceDefinition } from '@grpc/grpc-js';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

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

/** The proto file that declares each flavour's service. */
export const SERVICE_FILES: Readonly<Record<StreamFlavour, string>> = {
  mlserver: 'inference/dataplane.proto',
  triton: 'inference/dataplane_triton.proto',
};

/** A loaded service: its definition (to serve) and the package definition (for reflection). */
export interface LoadedService {
  definition: ServiceDefinition;
  packageDefinition: PackageDefinition;
}

/** Loads the inference service of one flavour. */
export function loadInferenceService(flavour: StreamFlavour): LoadedService {
  const packageDefinition = loadSync(SERVICE_FILES[flavour], LOADER_OPTIONS);
  const root = loadPackageDefinition(packageDefinition) as { inference: GrpcObject };
  const service = root.inference.GRPCInferenceService as unknown as { service: ServiceDefinition };
  return { definition: service.service, packageDefinition };
}

/** Loads `grpc.health.v1.Health`. */
export function loadHealthService(): LoadedService {
  const packageDefinition = loadSync('grpc/health/v1/health.proto', LOADER_OPTIONS);
  const root = loadPackageDefinition(packageDefinition) as { grpc: { health: { v1: GrpcObject } } };
  const service = root.grpc.health.v1.Health as unknown as { service: ServiceDefinition };
  return { definition: service.service, packageDefinition };
}
