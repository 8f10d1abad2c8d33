import type { Call } from '../call.js';

/** Methods that stream: their `grpc_type`. Every other method is unary. */
const STREAMING: Readonly<Record<string, string>> = {
  ModelStreamInfer: 'BIDI_STREAMING',
  ServerReflectionInfo: 'BIDI_STREAMING',
  Watch: 'SERVER_STREAMING',
};

/** `grpc_type`, `grpc_service`, `grpc_method` labels of a gRPC call. */
export interface GrpcMethodLabels {
  grpc_type: string;
  grpc_service: string;
  grpc_method: string;
}

/**
 * The method labels of a gRPC call: its operation is a full method path
 * (`/grpc.health.v1.Health/Check`) or, for the inference handlers, the method of
 * `inference.GRPCInferenceService` (with the stream flavour in parentheses, left out here).
 */
export function grpcMethodLabels(call: Call): GrpcMethodLabels {
  const { operation } = call;
  let service = 'inference.GRPCInferenceService';
  // The Triton flavour's stream is `ModelStreamInfer (Triton)`: the method is the same.
  let method = operation.replace(/ \(.*\)$/, '');
  if (operation.startsWith('/')) {
    const [, svc = '', name = ''] = operation.split('/');
    service = svc;
    method = name;
  }
  return { grpc_type: STREAMING[method] ?? 'UNARY', grpc_service: service, grpc_method: method };
}
