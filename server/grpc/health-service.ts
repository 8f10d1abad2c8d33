import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { DataPlane } from '../dataplane.js';

type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
type HealthRequest = { service?: string };
type HealthResponse = { status: ServingStatus };

/** The service names Check and Watch answer for: the server as a whole ('') and the inference service. */
export const HEALTH_SERVICES = ['', 'inference.GRPCInferenceService'] as const;

/** How often Watch looks at readiness. */
const WATCH_INTERVAL_MS = 500;

/**
 * `grpc.health.v1.Health` for Kubernetes gRPC probes: SERVING while the server is ready (the
 * REST `/v2/health/ready` rule), NOT_SERVING otherwise. Check on an unknown service is
 * NOT_FOUND; Watch reports SERVICE_UNKNOWN and keeps watching, as the protocol says. Watch calls
 * end (after a last NOT_SERVING) when `closing` fires, so they never hold up a graceful stop.
 */
export function healthService(dataplane: DataPlane, closing: AbortSignal): UntypedServiceImplementation {
  const statusOf = (service: string): ServingStatus => {
    if (!(HEALTH_SERVICES as readonly string[]).includes(service)) return 'SERVICE_UNKNOWN';
    return dataplane.ready() ? 'SERVING' : 'NOT_SERVING';
  };
  const check: handleUnaryCall<HealthRequest, HealthResponse> = (call, callback) => {
    const current = statusOf(call.request.service ?? '');
    if (current === 'SERVICE_UNKNOWN')
      callback({ code: status.NOT_FOUND, details: `unknown service '${call.request.service}'` });
    else callback(null, { status: current });
  };
  const watch: handleServerStreamingCall<HealthRequest, HealthResponse> = (call) => {
    const service = call.request.service ?? '';
    let last: ServingStatus | undefined;
    const send = () => {
      const current = closing.aborted ? 'NOT_SERVING' : statusOf(service);
      if (current !== last) call.write({ status: current });
      last = current;
    };
    const stop = () => {
      clearInterval(timer);
      closing.removeEventListener('abort', finish);
    };
    const finish = () => {
      send();
      stop();
      call.end();
    };
    send();
    const timer = setInterval(send, WATCH_INTERVAL_MS);
    closing.addEventListener('abort', finish, { once: true });
    call.once('cancelled', stop);
    if (closing.aborted) finish();
  };
  return { Check: check, Watch: watch };
}
