import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import type { Call } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { metadataHeaders, startedByHandler } from './grpc-call.js';

/** Methods whose handler starts the core's call itself (`startCall`), unless the call never reaches it. */
const INFERENCE_METHODS = /\/(ModelInfer|ModelStreamInfer)$/;

/**
 * A grpc-js server interceptor, innermost, so it sees every call's metadata and status, even a
 * call the access check refuses: every RPC becomes a call of the core (access log, metrics,
 * tracing) with its full method path as the operation (`/grpc.health.v1.Health/Check`) and its
 * gRPC status. An inference call is left to its handler, which starts the core's call itself;
 * one that never reaches the handler (refused, undecodable) is observed here.
 */
export function observeInterceptor(dataplane: DataPlane): ServerInterceptor {
  return (method, next: ServerInterceptingCallInterface) => {
    const inference = INFERENCE_METHODS.test(method.path);
    let call: Call | undefined;
    let metadata: Metadata | undefined;
    let arrivedAt = performance.now();
    let ended = false;
    const observed = (): Call | undefined => {
      if (ended || (metadata && startedByHandler(metadata))) return undefined;
      call ??= dataplane.call({
        transport: 'grpc',
        operation: method.path,
        headers: metadata ? metadataHeaders(metadata) : {},
        startedAt: arrivedAt,
      });
      return call;
    };
    const end = (code: status, gone: boolean) => {
      const current = observed();
      if (!current) return;
      ended = true;
      if (gone) current.clientGone();
      current.status = code;
      current.end();
    };
    return new ServerInterceptingCall(next, {
      start: (proceed) =>
        proceed({
          onReceiveMetadata: (received, pass) => {
            metadata = received;
            arrivedAt = performance.now();
            if (!inference) observed();
            pass(received);
          },
          onCancel: () => end(status.CANCELLED, true),
        }),
      sendMessage: (message, pass) => {
        observed()?.responded();
        pass(message);
      },
      sendStatus: (sent, pass) => {
        end(sent.code, false);
        pass(sent);
      },
    });
  };
}
