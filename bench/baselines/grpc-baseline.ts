/**
 * The bare grpc-js + proto-loader baseline: a naive server on the same proto as the real one,
 * that decodes each `ModelInferRequest` and answers its inputs back (typed contents as outputs,
 * raw contents as raw outputs). `ModelStreamInfer` answers each request with six responses for
 * model `stream6` and one otherwise, like the bench's models.
 *
 * Usage: `node --import tsx grpc-baseline.ts <protos-dir>`; logs `BASELINE gRPC listening on 127.0.0.1:<port>`.
 */
import * as grpc from '@grpc/grpc-js';
import { loadInferenceProto, streamResponsesWrapped, UNLIMITED_MESSAGES } from '../load/grpc-proto.js';

interface InferRequest {
  model_name: string;
  id?: string;
  inputs?: { name: string; datatype: string; shape: number[]; contents?: unknown }[];
  raw_input_contents?: Buffer[];
}

function answer(request: InferRequest): object {
  return {
    model_name: request.model_name,
    id: request.id ?? '',
    outputs: (request.inputs ?? []).map((input, i) => ({
      name: `OUTPUT${i}`,
      datatype: input.datatype,
      shape: input.shape,
      contents: input.contents,
    })),
    raw_output_contents: request.raw_input_contents ?? [],
  };
}

const proto = loadInferenceProto(process.argv[2] ?? 'protos');
if (!proto) {
  process.stderr.write(`no GRPCInferenceService proto under ${process.argv[2]}\n`);
  process.exit(2);
}
const wrapped = streamResponsesWrapped(proto);

const server = new grpc.Server(UNLIMITED_MESSAGES);
server.addService(proto.service.service, {
  ModelInfer(call: grpc.ServerUnaryCall<InferRequest, object>, callback: grpc.sendUnaryData<object>) {
    callback(null, answer(call.request));
  },
  ModelStreamInfer(call: grpc.ServerDuplexStream<InferRequest, object>) {
    call.on('data', (request: InferRequest) => {
      const response = answer(request);
      const times = request.model_name === 'stream6' ? 6 : 1;
      for (let i = 0; i < times; i++) call.write(wrapped ? { infer_response: response } : response);
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`BASELINE gRPC listening on 127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.forceShutdown();
  process.exit(0);
});
