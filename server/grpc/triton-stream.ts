import { type handleBidiStreamingCall, type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { Call as CoreCall } from '../call.js';
import { sequenceParams } from '../sequence-params.js';
import { takeResponseHeaders } from '../response-headers.js';
import type { InferenceResponse } from '../types.js';
import { startCall } from './grpc-call.js';
import { requestFromProto, responseToProto } from './converters.js';
import { toServiceError } from './grpc-errors.js';
import { incomingMessages } from './incoming.js';
import type { ProtoInferRequest, ProtoStreamInferResponse } from './proto-types.js';
import { headersMetadata } from './response-metadata.js';
import { StreamWriter } from './stream-writer.js';
import type { GrpcHandlerOptions } from './unary-handlers.js';

type Call = ServerDuplexStream<ProtoInferRequest, ProtoStreamInferResponse>;

/** Metadata with which a Triton client asks for a real gRPC status instead of in-band errors. */
export const TRITON_GRPC_ERROR = 'triton_grpc_error';

/**
 * `ModelStreamInfer` in Triton's flavour: each request on the stream is served on its own, in
 * arrival order, and its responses carry its id. A runtime that only has `predict` ("not
 * decoupled") answers once with `triton_final_response: true`. A streaming runtime's responses
 * carry `triton_final_response: false`, and when the request set
 * `triton_enable_empty_final_response` an empty response with `triton_final_response: true`
 * marks its end (Triton's decoupled-model behaviour). A failed request is answered in-band
 * (`error_message`) and the stream goes on, unless the client opened it with metadata
 * `triton_grpc_error: true`: then the first error ends the call with a status.
 */
export function tritonStreamHandler(
  options: GrpcHandlerOptions,
): handleBidiStreamingCall<ProtoInferRequest, ProtoStreamInferResponse> {
  return (call) => {
    void serve(call as Call, options);
  };
}

async function serve(grpcCall: Call, options: GrpcHandlerOptions): Promise<void> {
  const { logger, dataplane } = options;
  const statusErrors = grpcCall.metadata.get(TRITON_GRPC_ERROR)[0]?.toString().toLowerCase() === 'true';
  const call = startCall(dataplane, grpcCall, 'ModelStreamInfer (Triton)');
  const writer = new StreamWriter(grpcCall, call.signal);
  try {
    for await (const message of incomingMessages<ProtoInferRequest>(grpcCall, call.signal)) {
      try {
        await serveRequest(message, writer, call, options);
      } catch (err) {
        if (statusErrors || call.signal.aborted) throw err;
        const error = toServiceError(err, logger, 'ModelStreamInfer');
        await writer.write({ error_message: error.details ?? error.message, infer_response: echo(message) });
      }
    }
    grpcCall.end();
    call.status = status.OK;
  } catch (err) {
    const error = toServiceError(err, logger, 'ModelStreamInfer');
    call.status = error.code;
    if (!grpcCall.destroyed) grpcCall.emit('error', error);
  } finally {
    call.end();
  }
}

async function serveRequest(
  message: ProtoInferRequest,
  writer: StreamWriter<ProtoStreamInferResponse>,
  call: CoreCall,
  options: GrpcHandlerOptions,
): Promise<void> {
  const decoded = requestFromProto(message);
  const { dataplane } = options;
  // Not decoupled (a runtime without its own stream), or a step of a sequence: one response,
  // flagged final (no empty final response needed).
  if (!dataplane.modelStreams(decoded.ref) || sequenceParams(decoded.body)) {
    const { response, headers } = takeResponseHeaders(await dataplane.infer(decoded.ref, decoded.body, call));
    writer.sendMetadata(headersMetadata(headers));
    await writer.write({ error_message: '', infer_response: tritonResponse(response, true) });
    return;
  }
  const session = dataplane.openSession(decoded.ref, call);
  const outputs = session.responses[Symbol.asyncIterator]();
  try {
    await session.send(decoded.body);
    session.end();
    for (let next = await outputs.next(); !next.done; next = await outputs.next()) {
      if (next.value.error) throw next.value.error;
      const { response, headers } = takeResponseHeaders(next.value.response);
      writer.sendMetadata(headersMetadata(headers));
      await writer.write({ error_message: '', infer_response: tritonResponse(response, false) });
    }
  } finally {
    void outputs.return?.();
  }
  const parameters = decoded.body.parameters as Record<string, unknown> | undefined;
  if (parameters?.triton_enable_empty_final_response === true) {
    const empty: InferenceResponse = {
      model_name: decoded.ref.name,
      ...(decoded.ref.version ? { model_version: decoded.ref.version } : {}),
      id: message.id || call.id,
      outputs: [],
    };
    await writer.write({ error_message: '', infer_response: tritonResponse(empty, true) });
  }
}

/** A response as Triton sends it: final flag set, outputs always in `raw_output_contents`. */
function tritonResponse(response: InferenceResponse, final: boolean) {
  const withFlag = { ...response, parameters: { ...response.parameters, triton_final_response: final } };
  return responseToProto(withFlag, true);
}

/** What an in-band error echoes of its request, so the client can match it. */
function echo(message: ProtoInferRequest) {
  return {
    model_name: message.model_name ?? '',
    model_version: message.model_version ?? '',
    id: message.id ?? '',
    parameters: {},
    outputs: [],
    raw_output_contents: [],
  };
}
