import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt';
import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { PROTOS_DIR, SERVICE_FILES, type ServiceName } from './protos.js';

/**
 * `protos/descriptors.binpb`: every file of `protos/` compiled by buf (`npm run protos`; a test
 * checks it matches the sources). proto-loader's own descriptors are not valid for other
 * reflection clients (map entries misnamed, relative type names, one file per package).
 */
export const DESCRIPTOR_SET = path.join(PROTOS_DIR, 'descriptors.binpb');

let compiled: FileDescriptorProto[] | undefined;

function compiledFiles(): FileDescriptorProto[] {
  compiled ??= fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTOR_SET)).file;
  return compiled;
}

/**
 * The files a listener describes: the files of the services it serves and their imports. On the
 * Triton listener, `inference.GRPCInferenceService.ModelStreamInfer` answers with the output
 * type declared in `inference/triton/stream.proto` (what that listener really sends at that
 * path), so every reflection client decodes its stream correctly.
 */
export function listenerFiles(
  services: readonly ServiceName[],
  tritonStream: boolean,
): FileDescriptorProto[] {
  const byName = new Map(compiledFiles().map((file) => [file.name, file]));
  const wanted = new Set<string>();
  const visit = (name: string) => {
    if (wanted.has(name)) return;
    const file = byName.get(name);
    if (!file) throw new Error(`${DESCRIPTOR_SET} has no ${name}; run npm run protos`);
    wanted.add(name);
    for (const dependency of file.dependency) visit(dependency);
  };
  for (const service of services) visit(SERVICE_FILES[service]);
  const files = [...wanted].map((name) => byName.get(name)!);
  return tritonStream ? files.map((file) => withTritonStream(file, byName)) : files;
}

function withTritonStream(
  file: FileDescriptorProto,
  byName: Map<string, FileDescriptorProto>,
): FileDescriptorProto {
  if (file.name !== SERVICE_FILES['inference.GRPCInferenceService']) return file;
  const triton = byName.get(SERVICE_FILES['inference.triton.GRPCInferenceService'])!;
  const outputType = triton.service[0]!.method.find((m) => m.name === 'ModelStreamInfer')!.outputType;
  const copy = fromBinary(FileDescriptorProtoSchema, toBinary(FileDescriptorProtoSchema, file));
  for (const service of copy.service) {
    for (const method of service.method)
      if (method.name === 'ModelStreamInfer') method.outputType = outputType;
  }
  return copy;
}

/** Adds server reflection (v1 and v1alpha) describing exactly `services`, from the compiled descriptors. */
export function addReflection(server: Server, services: readonly ServiceName[], tritonStream: boolean): void {
  const files = listenerFiles(services, tritonStream).map((file) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, file)),
  );
  // @grpc/reflection indexes the encoded files it finds under `fileDescriptorProtos`.
  const definition = { files: { fileDescriptorProtos: files } } as unknown as PackageDefinition;
  new ReflectionService(definition, { services: [...services] }).addToServer(server);
}
