import type { handleBidiStreamingCall, ServerDuplexStream } from '@grpc/grpc-js';
import type { InferenceContext } from '../context.js';
import { takeResponseHeaders } from '../response-headers.js';
import { once } from '../stream-utils.js';
import type { InferenceResponse } from '../types.js';
import { createCallContext } from './call-context.js';
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

async function serve(call: Call, options: GrpcHandlerOptions): Promise<void> {
  const { logger, shutdown } = options;
  const statusErrors = call.metadata.get(TRITON_GRPC_ERROR)[0]?.toString().toLowerCase() === 'true';
  const { context, dispose } = createCallContext(call, shutdown);
  const writer = new StreamWriter(call, context.signal);
  try {
    for await (const message of incomingMessages<ProtoInferRequest>(call, context.signal)) {
      try {
        await serveRequest(message, writer, context, options);
      } catch (err) {
        if (statusErrors || context.signal.aborted) throw err;
        const error = toServiceError(err, logger, 'ModelStreamInfer');
        await writer.write({ error_message: error.details ?? error.message, infer_response: echo(message) });
      }
    }
    call.end();
  } catch (err) {
    if (!call.destroyed) call.emit('error', toServiceError(err, logger, 'ModelStreamInfer'));
  } finally {
    dispose();
  }
}

async function serveRequest(
  message: ProtoInferRequest,
  writer: StreamWriter<ProtoStreamInferResponse>,
  context: InferenceContext,
  options: GrpcHandlerOptions,
): Promise<void> {
  const decoded = requestFromProto(message);
  const requestContext = { ...context, requestId: message.id || context.requestId };
  const { dataplane } = options;
  if (!dataplane.modelStreams(decoded.ref)) {
    // Not decoupled: one response, flagged final (no empty final response needed).
    const { response, headers } = takeResponseHeaders(
      await dataplane.infer(decoded.ref, decoded.body, requestContext),
    );
    writer.sendMetadata(headersMetadata(headers));
    await writer.write({ error_message: '', infer_response: tritonResponse(response, true) });
    return;
  }
  const responses = await dataplane.inferStream(decoded.ref, once(decoded.body), requestContext);
  for await (const result of responses) {
    const { response, headers } = takeResponseHeaders(result);
    writer.sendMetadata(headersMetadata(headers));
    await writer.write({ error_message: '', infer_response: tritonResponse(response, false) });
  }
  const parameters = decoded.body.parameters as Record<string, unknown> | undefined;
  if (parameters?.triton_enable_empty_final_response === true) {
    const empty: InferenceResponse = {
      model_name: decoded.ref.name,
      ...(decoded.ref.version ? { model_version: decoded.ref.version } : {}),
      id: requestContext.requestId,
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
