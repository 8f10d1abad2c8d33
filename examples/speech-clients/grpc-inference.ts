import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { decodeRawTensor, type Datatype } from 'mlserver-ts';
import { pcmBytes } from './audio-file.js';
import { type Heard, transcriptsOf } from './transcripts.js';

/** The protos mlserver-ts ships (`protos/` of the package). */
const PROTOS = path.join(
  path.dirname(createRequire(import.meta.url).resolve('mlserver-ts/package.json')),
  'protos',
);

const OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTOS],
};

/** A gRPC client of `inference.GRPCInferenceService` (unary calls and `ModelStreamInfer`). */
export type InferenceClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/**
 * A client for `address`. `flavour: 'triton'` reads `ModelStreamInfer` answers as Triton's
 * stream sends them (`ModelStreamInferResponse`: an error message or a response, on the
 * listener of `grpc_triton_port`); `'mlserver'` as MLServer's (plain `ModelInferResponse`).
 */
export function inferenceClient(address: string, flavour: 'mlserver' | 'triton'): InferenceClient {
  const service = protoLoader.loadSync('inference/dataplane.proto', OPTIONS)[
    'inference.GRPCInferenceService'
  ] as grpc.ServiceDefinition;
  let definition = service;
  if (flavour === 'triton') {
    const triton = protoLoader.loadSync('inference/triton/stream.proto', OPTIONS)[
      'inference.triton.GRPCInferenceService'
    ] as grpc.ServiceDefinition;
    definition = {
      ...service,
      ModelStreamInfer: { ...triton.ModelStreamInfer!, path: service.ModelStreamInfer!.path },
    };
  }
  const Client = grpc.makeGenericClientConstructor(definition, 'GRPCInferenceService');
  return new Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  }) as InferenceClient;
}

/** A ModelInferRequest as proto-loader takes it. */
export type ProtoRequest = Record<string, unknown>;

/** A request of whole WAV files: BYTES [n] in `raw_input_contents` (each element length-prefixed, as Triton's clients send). */
export function wavBatchRequest(model: string, id: string, files: readonly Uint8Array[]): ProtoRequest {
  const parts: Buffer[] = [];
  for (const file of files) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(file.byteLength);
    parts.push(length, Buffer.from(file.buffer, file.byteOffset, file.byteLength));
  }
  return {
    model_name: model,
    id,
    inputs: [{ name: 'audio', datatype: 'BYTES', shape: [String(files.length)] }],
    raw_input_contents: [Buffer.concat(parts)],
  };
}

/** A request of S16LE samples, INT16 [n] in `raw_input_contents`, with optional parameters (a sequence step's). */
export function pcmRequest(
  model: string,
  id: string,
  pcm: Int16Array,
  parameters: Record<string, unknown> = {},
): ProtoRequest {
  return {
    model_name: model,
    id,
    parameters,
    inputs: [{ name: 'audio', datatype: 'INT16', shape: [String(pcm.length)] }],
    raw_input_contents: [pcmBytes(pcm)],
  };
}

interface ProtoOutput {
  name: string;
  datatype: string;
  shape: string[];
  contents?: Record<string, unknown[]>;
}

/** A ModelInferResponse as proto-loader gives it. */
export interface ProtoResponse {
  id: string;
  outputs: ProtoOutput[];
  raw_output_contents: Uint8Array[];
}

/** The transcripts of a ModelInferResponse (outputs in `raw_output_contents` or typed `contents`). */
export function responseTranscripts(response: ProtoResponse): Heard[] {
  const raw = response.raw_output_contents ?? [];
  return transcriptsOf(
    response.outputs.map((output, i) => {
      const shape = output.shape.map(Number);
      const data =
        raw.length > 0
          ? (decodeRawTensor(output.name, output.datatype as Datatype, shape, raw[i]!) as ArrayLike<unknown>)
          : (Object.values(output.contents ?? {}).find((values) => values.length > 0) ?? []);
      return { name: output.name, data };
    }),
  );
}

/** One unary `ModelInfer` call. */
export function modelInfer(client: InferenceClient, request: ProtoRequest): Promise<ProtoResponse> {
  return new Promise((resolve, reject) => {
    client.ModelInfer!(request, (err: grpc.ServiceError | null, response: ProtoResponse) =>
      err ? reject(err) : resolve(response),
    );
  });
}

/** Sequence parameters as Triton's clients send them on gRPC (`sequence_id` as an int64). */
export function sequenceParameters(id: number, start: boolean, end: boolean): Record<string, unknown> {
  return {
    sequence_id: { int64_param: String(id) },
    sequence_start: { bool_param: start },
    sequence_end: { bool_param: end },
  };
}
