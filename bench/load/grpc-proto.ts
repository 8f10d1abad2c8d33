import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The loaded `inference.GRPCInferenceService` and where it came from. */
export interface InferenceProto {
  file: string;
  service: grpc.ServiceClientConstructor;
}

/** Field names as in the .proto (snake_case), int64 as numbers: what the bench sends and reads. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** The default listener's proto (MLServer flavour) is preferred over any other defining the service. */
const PREFERRED = path.join('inference', 'dataplane.proto');

function protoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...protoFiles(full));
    else if (name.endsWith('.proto')) out.push(full);
  }
  return out;
}

/** The .proto file under `dir` that defines `GRPCInferenceService`, or undefined. */
export function findInferenceProto(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const preferred = path.join(dir, PREFERRED);
  if (existsSync(preferred)) return preferred;
  return protoFiles(dir)
    .sort()
    .find((file) => /service\s+GRPCInferenceService\b/.test(readFileSync(file, 'utf8')));
}

/** Loads the inference service from the repo's `protos/` folder (imports resolve from `dir`). */
export function loadInferenceProto(dir: string): InferenceProto | undefined {
  const file = findInferenceProto(dir);
  if (!file) return undefined;
  const definition = protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [dir] });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    inference: { GRPCInferenceService: grpc.ServiceClientConstructor };
  };
  return { file, service: loaded.inference.GRPCInferenceService };
}

/** Channel options that lift grpc-js's 4 MB message limit, for the large-tensor scenarios. */
export const UNLIMITED_MESSAGES: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

/** Whether `ModelStreamInfer` answers `ModelStreamInferResponse` (Triton flavour) rather than `ModelInferResponse`. */
export function streamResponsesWrapped(proto: InferenceProto): boolean {
  const method = (proto.service.service as grpc.ServiceDefinition).ModelStreamInfer as unknown as {
    responseType?: { type?: { name?: string } };
  };
  return method.responseType?.type?.name === 'ModelStreamInferResponse';
}
