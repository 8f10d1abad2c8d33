import { type handleBidiStreamingCall, type ServerDuplexStream, status } from '@grpc/grpc-js';
import { InvalidInputError } from '../errors.js';
import { takeResponseHeaders } from '../response-headers.js';
import { feedSession } from '../session.js';
import { map } from '../stream-utils.js';
import { type DecodedRequest, requestFromProto, responseToProto } from './converters.js';
import { startCall } from './grpc-call.js';
import { toServiceError } from './grpc-errors.js';
import { incomingMessages } from './incoming.js';
import type { ProtoInferRequest, ProtoInferResponse } from './proto-types.js';
import { headersMetadata } from './response-metadata.js';
import { StreamWriter } from './stream-writer.js';
import type { GrpcHandlerOptions } from './unary-handlers.js';

type Call = ServerDuplexStream<ProtoInferRequest, ProtoInferResponse>;

/**
 * `ModelStreamInfer` in MLServer's flavour: the whole call is one session of the core. Requests
 * are handed to it as they arrive, its responses are written as the runtime yields them (so
 * stream→stream, unary→stream and stream→unary all work). The first request names the model;
 * later ones must name the same. Raw outputs follow the first request. Any error ends the call
 * with a gRPC status, as MLServer does.
 */
export function mlserverStreamHandler(
  options: GrpcHandlerOptions,
): handleBidiStreamingCall<ProtoInferRequest, ProtoInferResponse> {
  return (call) => {
    void serve(call as Call, options);
  };
}

async function serve(grpcCall: Call, options: GrpcHandlerOptions): Promise<void> {
  const { dataplane, logger } = options;
  const call = startCall(dataplane, grpcCall, 'ModelStreamInfer');
  try {
    const incoming = incomingMessages<ProtoInferRequest>(grpcCall, call.signal)[Symbol.asyncIterator]();
    const head = await incoming.next();
    if (head.done) throw new InvalidInputError('the stream carried no request');
    const first = requestFromProto(head.value);
    const session = dataplane.openSession(first.ref, call);
    const outputs = session.responses[Symbol.asyncIterator]();
    try {
      await session.send(first.body);
      const rest = { [Symbol.asyncIterator]: () => incoming };
      void feedSession(
        session,
        map(rest, (message) => following(message, first).body),
      );
      const writer = new StreamWriter(grpcCall, call.signal);
      for (let next = await outputs.next(); !next.done; next = await outputs.next()) {
        if (next.value.error) throw next.value.error;
        const { response, headers } = takeResponseHeaders(next.value.response);
        writer.sendMetadata(headersMetadata(headers));
        await writer.write(responseToProto(response, first.raw));
      }
    } finally {
      void outputs.return?.();
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
