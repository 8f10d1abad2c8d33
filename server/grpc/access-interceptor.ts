import {
  type Metadata,
  type ServerInterceptingCallInterface,
  ServerInterceptingCall,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { AccessControl, AccessScope, HeaderRecord } from '../access.js';
import { InferenceServerError } from '../errors.js';
import { GRPC_STATUS } from './grpc-status.js';

const HEALTH_METHODS = new Set(['ServerLive', 'ServerReady', 'ModelReady']);
const CONTROL_METHODS = new Set(['RepositoryModelLoad', 'RepositoryModelUnload']);

/** The access scope of a gRPC method, from its path (`/package.Service/Method`). */
export function grpcScope(path: string): AccessScope {
  const [, service = '', method = ''] = path.split('/');
  if (service === 'grpc.health.v1.Health') return 'health';
  if (service === 'inference.GRPCInferenceService' && HEALTH_METHODS.has(method)) return 'health';
  if (CONTROL_METHODS.has(method)) return 'model_control';
  if (method === 'RepositoryIndex') return 'repository';
  return 'inference';
}

/**
 * A grpc-js server interceptor applying the core's access control to every method of a
 * listener (inference, repository, reflection, health) before its handler runs: a refused call
 * ends with UNAUTHENTICATED or PERMISSION_DENIED and never reaches the handler.
 */
export function accessInterceptor(access: AccessControl): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    const scope = grpcScope(method.path);
    if (scope === 'health') return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            try {
              access.check(metadataRecord(metadata), scope);
            } catch (err) {
              const error = InferenceServerError.from(err);
              call.sendStatus({ code: GRPC_STATUS[error.code], details: error.message });
              return;
            }
            proceed(metadata);
          },
        }),
    });
  };
}

/** gRPC metadata as a header record: text values only (binary `-bin` entries carry no tokens). */
function metadataRecord(metadata: Metadata): HeaderRecord {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') record[key] = value;
  }
  return record;
}
