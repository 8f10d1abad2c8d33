import type { BenchConfig } from './config.js';
import type { InferenceProto } from './load/grpc-proto.js';
import type { Measurement } from './measurement.js';
import type { BenchProcess } from './processes.js';

/** Where one side (server or baseline) listens. */
export interface Endpoints {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  http: string;
  /** The process serving `http` (REST, SSE, WebSocket), for its CPU time. */
  httpPid?: number;
  /** `host:port` of its gRPC listener, when it has one. */
  grpc?: string;
  /** The process serving `grpc`, for its CPU time. */
  grpcPid?: number;
}

/** A server process the bench started, with where it listens. */
export interface RunningServer {
  process: BenchProcess;
  endpoints: Endpoints;
}

/** Everything a scenario needs: the config, both sides' addresses, the proto, what the server serves. */
export interface BenchContext {
  config: BenchConfig;
  server: Endpoints;
  baseline: Endpoints;
  /** The express baseline (express 5, trivial handlers), a second REST and SSE ceiling. */
  express?: Endpoints;
  /** The `--compare` build's server, when one was given: where it listens and its ready models. */
  compare?: Endpoints & { readyModels: Set<string> };
  /** The inference service, when `protos/` defines it. */
  proto?: InferenceProto;
  /** Why gRPC rows cannot run (no proto, no gRPC port logged), when they cannot. */
  grpcUnavailable?: string;
  /** Models the server reported ready. */
  readyModels: Set<string>;
  /** Why each model that is not ready is not (failed load, not bundled). */
  modelReasons: Map<string, string>;
  /** Protocol extensions from `GET /v2`. */
  extensions: string[];
  /**
   * Starts another server on the same repository, models loaded, for scenarios that need a
   * clean process (memory per held stream); the caller stops it.
   */
  startFreshServer(): Promise<RunningServer>;
  /** Starts another node:http baseline, for the same reason. */
  startFreshBaseline(): Promise<RunningServer>;
  /** Starts another server of the `--compare` build, for the same reason (when there is one). */
  startFreshCompare?: () => Promise<RunningServer>;
}

/** One benchmark scenario: measures the server (and the baseline, when one applies). */
export interface Scenario {
  id: string;
  run(context: BenchContext): Promise<Measurement[]>;
}
