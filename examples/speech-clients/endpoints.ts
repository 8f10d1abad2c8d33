/**
 * Where the clients find the server: `--url` / `--grpc` / `--triton` when given, else localhost
 * on the ports the server itself reads from the environment (MLSERVER_HTTP_PORT, else 8080;
 * MLSERVER_GRPC_PORT, else 8081; MLSERVER_GRPC_TRITON_PORT, else Triton's 8001).
 */
export interface Endpoints {
  /** REST, SSE and WebSocket base, e.g. `http://localhost:8080` (no trailing slash). */
  http: string;
  /** gRPC `host:port`, MLServer's flavour. */
  grpc: string;
  /** gRPC `host:port` of the Triton-flavour listener (`grpc_triton_port`). */
  triton: string;
}

/** The endpoints from the command line's values and the environment. */
export function endpoints(given: { url?: string; grpc?: string; triton?: string }): Endpoints {
  const env = process.env;
  return {
    http: (given.url ?? `http://localhost:${env.MLSERVER_HTTP_PORT || '8080'}`).replace(/\/+$/, ''),
    grpc: given.grpc ?? `localhost:${env.MLSERVER_GRPC_PORT || '8081'}`,
    triton: given.triton ?? `localhost:${env.MLSERVER_GRPC_TRITON_PORT || '8001'}`,
  };
}

/** The WebSocket URL of a model's stream (`ws://…/v2/models/{m}/infer_stream`), with a session id. */
export function streamUrl(http: string, model: string, sessionId?: string): string {
  const url = new URL(`${http}/v2/models/${encodeURIComponent(model)}/infer_stream`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (sessionId) url.searchParams.set('session_id', sessionId);
  return url.href;
}
