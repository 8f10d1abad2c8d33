import type { handleBidiStreamingCall, ServerDuplexStream } from '@grpc/grpc-js';
import { InvalidInputError } from '../errors.js';
import { takeResponseHeaders } from '../response-headers.js';
import { map, peek } from '../stream-utils.js';
import { createCallContext } from './call-context.js';
import { type DecodedRequest, requestFromProto, responseToProto } from './converters.js';
import { toServiceError } from './grpc-errors.js';
import { incomingMessages } from './incoming.js';
import type { ProtoInferRequest, ProtoInferResponse } from './proto-types.js';
import { headersMetadata } from './response-metadata.js';
import { StreamWriter } from './stream-writer.js';
import type { GrpcHandlerOptions } from './unary-handlers.js';

type Call = ServerDuplexStream<ProtoInferRequest, ProtoInferResponse>;

/**
 * `ModelStreamInfer` in MLServer's flavour: the whole call is one runtime stream. Requests are
 * handed to the runtime as they arrive, its responses are written as it yields them (so
 * stream→stream, unary→stream and stream→unary all work). The first request names the model;
 * a response without an id gets the first request's. Raw outputs follow the first request.
 * Any error ends the call with a gRPC status, as MLServer does.
 */
export function mlserverStreamHandler(
  options: GrpcHandlerOptions,
): handleBidiStreamingCall<ProtoInferRequest, ProtoInferResponse> {
  return (call) => {
    void serve(call as Call, options);
  };
}

async function serve(call: Call, options: GrpcHandlerOptions): Promise<void> {
  const { dataplane, logger, shutdown } = options;
  const { context, dispose } = createCallContext(call, shutdown);
  try {
    const head = await peek(incomingMessages<ProtoInferRequest>(call, context.signal));
    if (!head) throw new InvalidInputError('the stream carried no request');
    const first = requestFromProto(head.first);
    const callContext = { ...context, requestId: first.body.id ? String(first.body.id) : context.requestId };
    const bodies = map(head.all, (message, index) =>
      index === 0 ? first.body : following(message, first).body,
    );
    const responses = await dataplane.inferStream(first.ref, bodies, callContext);
    const writer = new StreamWriter(call, context.signal);
    for await (const result of responses) {
      const { response, headers } = takeResponseHeaders(result);
      writer.sendMetadata(headersMetadata(headers));
      await writer.write(responseToProto(response, first.raw));
    }
    call.end();
  } catch (err) {
    if (!call.destroyed) call.emit('error', toServiceError(err, logger, 'ModelStreamInfer'));
  } finally {
    dispose();
  }
}

/** Decodes a later request; it must address the model the first one did. */
function following(message: ProtoInferRequest, first: DecodedRequest): DecodedRequest {
  const decoded = requestFromProto({ model_name: first.ref.name, ...message });
  const otherVersion = decoded.ref.version !== undefined && decoded.ref.version !== first.ref.version;
  if (decoded.ref.name !== first.ref.name || otherVersion) {
    throw new InvalidInputError(
      `every request on a stream must address the model of the first ('${first.ref.name}'); got '${decoded.ref.name}'`,
    );
  }
  return decoded;
}
