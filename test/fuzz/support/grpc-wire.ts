import { readFileSync } from 'node:fs';
import path from 'node:path';
import { create, createFileRegistry, type DescMessage, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { REQUEST_TIMEOUT_MS } from './fuzz-settings.js';

const DESCRIPTORS = path.resolve(import.meta.dirname, '../../../protos/descriptors.binpb');
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTORS)));

function message(name: string): DescMessage {
  const desc = registry.getMessage(name);
  if (!desc) throw new Error(`no message ${name} in ${DESCRIPTORS}`);
  return desc;
}

/** The messages the fuzzing writes and reads, from the project's compiled protos. */
export const MESSAGES = {
  request: message('inference.ModelInferRequest'),
  response: message('inference.ModelInferResponse'),
  streamResponse: message('inference.ModelStreamInferResponse'),
};

/** Encodes a message from its initializer (protobuf-es field names); throws when a value cannot be encoded. */
export function encode(desc: DescMessage, init: Record<string, unknown>): Uint8Array {
  return toBinary(desc, create(desc, init as never));
}

/** An output tensor of a ModelInferResponse (protobuf-es names). */
export interface OutputTensorShape {
  name: string;
  datatype: string;
  shape: bigint[];
  contents?: Record<string, unknown[]>;
}

/** A ModelInferResponse (protobuf-es names). */
export interface InferResponseShape {
  modelName: string;
  outputs: OutputTensorShape[];
  rawOutputContents: Uint8Array[];
}

/** Triton's stream envelope. */
export interface StreamResponseShape {
  errorMessage: string;
  inferResponse?: InferResponseShape;
}

/** Decodes a ModelInferResponse. */
export function decodeResponse(bytes: Uint8Array): InferResponseShape {
  return fromBinary(MESSAGES.response, bytes) as unknown as InferResponseShape;
}

/** Decodes Triton's ModelStreamInferResponse. */
export function decodeStreamResponse(bytes: Uint8Array): StreamResponseShape {
  return fromBinary(MESSAGES.streamResponse, bytes) as unknown as StreamResponseShape;
}

/** The method paths the fuzzing calls. */
export const PATHS = {
  infer: '/inference.GRPCInferenceService/ModelInfer',
  stream: '/inference.GRPCInferenceService/ModelStreamInfer',
  live: '/inference.GRPCInferenceService/ServerLive',
};

/** How a call ended: its status name (or `hang` past the time limit) and the raw replies. */
export interface GrpcOutcome {
  status: string;
  details: string;
  replies: Buffer[];
}

const identity = (bytes: Buffer) => bytes;
const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

/** A gRPC client that sends bytes as they are, whatever they hold (a custom serializer). */
export class RawGrpcClient {
  private readonly client: grpc.Client;

  constructor(target: string) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure());
  }

  /** A unary call with `bytes` as the message. */
  unary(path: string, bytes: Uint8Array): Promise<GrpcOutcome> {
    return new Promise((resolve) => {
      const deadline = Date.now() + REQUEST_TIMEOUT_MS;
      this.client.makeUnaryRequest<Buffer, Buffer>(
        path,
        identity,
        identity,
        Buffer.from(bytes),
        new grpc.Metadata(),
        { deadline },
        (err, reply) => {
          if (err) resolve({ status: statusName(err.code), details: err.details, replies: [] });
          else resolve({ status: 'OK', details: '', replies: reply ? [reply] : [] });
        },
      );
    });
  }

  /** A bidirectional stream: every message written, the input ended, every reply read. */
  stream(path: string, messages: readonly Uint8Array[]): Promise<GrpcOutcome> {
    return new Promise((resolve) => {
      const call = this.client.makeBidiStreamRequest<Buffer, Buffer>(
        path,
        identity,
        identity,
        new grpc.Metadata(),
        {
          deadline: Date.now() + REQUEST_TIMEOUT_MS,
        },
      );
      const replies: Buffer[] = [];
      call.on('data', (reply: Buffer) => replies.push(reply));
      call.on('error', () => undefined);
      call.on('status', (s: grpc.StatusObject) =>
        resolve({ status: statusName(s.code), details: s.details, replies }),
      );
      for (const m of messages) call.write(Buffer.from(m));
      call.end();
    });
  }

  close(): void {
    this.client.close();
  }
}

/** A status code's name; DEADLINE_EXCEEDED (this client's time limit) is reported as a hang. */
function statusName(code: number): string {
  return code === grpc.status.DEADLINE_EXCEEDED ? 'hang' : (STATUS_NAMES[code] ?? `code ${code}`);
}

/** Statuses that say the client erred (the gRPC twins of a 4xx). */
export const CLIENT_ERROR_STATUSES = new Set([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'OUT_OF_RANGE',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
]);
