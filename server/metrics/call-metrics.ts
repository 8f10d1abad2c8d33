import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { Call, CallObserver, Transport } from '../call.js';
import type { ModelRef } from '../model-ref.js';
import { grpcCodeName } from '../call-status.js';
import { grpcMethodLabels } from './grpc-labels.js';
import { type ModelLabelValues, ModelLabels, type ModelResolver } from './model-labels.js';

/** What the metrics need to know. */
export interface CallMetricsOptions {
  /** `metrics_rest_server_prefix`: the prefix of the HTTP request metrics (MLServer's). */
  restPrefix: string;
  /** The `app_name` label of the HTTP request metrics (`server_name`). */
  appName: string;
  /** Which model names and versions are known (label values); anything else is `_unknown`. */
  resolveModel: ModelResolver;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const GAP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const COUNT_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

type ModelLabel = 'model' | 'version' | 'transport';

/** Why a stream was cut short, from the error that ended it. */
const INTERRUPTIONS: Readonly<Record<string, string>> = {
  cancelled: 'client',
  deadline_exceeded: 'deadline',
  unavailable: 'server',
};

/**
 * Prometheus metrics (prom-client) fed by the core's one observation point: every call of every
 * transport, at its start, each response and its end. Names follow MLServer where it has one
 * (`model_infer_request_*`, `<prefix>_requests_total`, `grpc_server_*`); streams, WebSocket
 * sessions and the execution stage have their own. Model labels are bounded to known models
 * (`ModelLabels`); operation labels are route templates and method names, never raw paths.
 * Every name and label is listed in the README (Metrics).
 */
export class CallMetrics implements CallObserver {
  readonly registry = new Registry();
  private readonly models: ModelLabels;
  private readonly appName: string;
  private readonly success: Counter<ModelLabel>;
  private readonly failure: Counter<ModelLabel>;
  private readonly durationSummary: Summary<ModelLabel>;
  private readonly duration: Histogram<ModelLabel>;
  private readonly streamsActive: Gauge<ModelLabel>;
  /**
   * The labels each active stream was counted under. A call may open several sessions (Triton's
   * stream opens one per request, possibly for different models) and ends once: it is counted
   * once, and taken off under the same labels.
   */
  private readonly activeStreams = new WeakMap<Call, ModelLabelValues & { transport: Transport }>();
  private readonly firstResponse: Histogram<ModelLabel>;
  private readonly responseGap: Histogram<ModelLabel>;
  private readonly streamResponses: Histogram<ModelLabel>;
  private readonly streamBytes: Counter<ModelLabel>;
  private readonly streamInterrupted: Counter<ModelLabel | 'reason'>;
  private readonly queueTime: Histogram<'model' | 'version'>;
  private readonly batchSize: Histogram<'model' | 'version'>;
  private readonly httpRequests: Counter<'method' | 'path' | 'status_code' | 'app_name'>;
  private readonly httpDuration: Histogram<'method' | 'path' | 'status_code' | 'app_name'>;
  private readonly httpInProgress: Gauge<'method' | 'app_name'>;
  private readonly grpcStarted: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly grpcHandled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  private readonly grpcHandling: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly grpcSent: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  private readonly wsSessions: Counter<'operation' | 'code'>;
  private readonly wsDuration: Histogram<'operation' | 'code'>;
  private readonly wsInProgress: Gauge<'operation'>;
  private readonly wsSent: Counter<'operation'>;

  constructor(options: CallMetricsOptions) {
    const registers = [this.registry];
    const modelLabels: ModelLabel[] = ['model', 'version', 'transport'];
    collectDefaultMetrics({ register: this.registry });
    this.models = new ModelLabels(options.resolveModel);
    this.appName = options.appName;
    this.success = new Counter({
      name: 'model_infer_request_success_total',
      help: 'Inference calls that succeeded (a stream counts once)',
      labelNames: modelLabels,
      registers,
    });
    this.failure = new Counter({
      name: 'model_infer_request_failure_total',
      help: 'Inference calls that failed (a stream counts once)',
      labelNames: modelLabels,
      registers,
    });
    this.durationSummary = new Summary({
      name: 'model_infer_request_duration',
      help: "Seconds from an inference call's start to its end (MLServer's summary: sum and count)",
      labelNames: modelLabels,
      percentiles: [],
      registers,
    });
    this.duration = new Histogram({
      name: 'model_infer_request_duration_seconds',
      help: "Seconds from an inference call's start to its end",
      labelNames: modelLabels,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.streamsActive = new Gauge({
      name: 'model_stream_active',
      help: 'Streams open now (SSE, gRPC ModelStreamInfer, WebSocket, session followers)',
      labelNames: modelLabels,
      registers,
    });
    this.firstResponse = new Histogram({
      name: 'model_stream_time_to_first_response_seconds',
      help: "Seconds from a stream's start to its first response",
      labelNames: modelLabels,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.responseGap = new Histogram({
      name: 'model_stream_response_gap_seconds',
      help: 'Seconds between two consecutive responses of a stream',
      labelNames: modelLabels,
      buckets: GAP_BUCKETS,
      registers,
    });
    this.streamResponses = new Histogram({
      name: 'model_stream_responses',
      help: 'Responses a stream sent, observed when it ends',
      labelNames: modelLabels,
      buckets: COUNT_BUCKETS,
      registers,
    });
    this.streamBytes = new Counter({
      name: 'model_stream_bytes_out_total',
      help: 'Bytes written for streams (events, messages), counted when each stream ends',
      labelNames: modelLabels,
      registers,
    });
    this.streamInterrupted = new Counter({
      name: 'model_stream_interrupted_total',
      help: 'Streams cut short: the client disconnected or cancelled (client), a deadline or idle timeout passed (deadline), the server shut down or unloaded the model (server)',
      labelNames: [...modelLabels, 'reason'],
      registers,
    });
    this.queueTime = new Histogram({
      name: 'model_infer_queue_duration_seconds',
      help: "Seconds a request waited in the execution stage's queue",
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'model_infer_batch_size',
      help: 'Requests per batch the execution stage ran',
      labelNames: ['model', 'version'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    const prefix = options.restPrefix.replace(/[^a-zA-Z0-9_]/g, '_');
    this.httpRequests = new Counter({
      name: `${prefix}_requests_total`,
      help: 'HTTP requests (REST and SSE) by method, route template and status code',
      labelNames: ['method', 'path', 'status_code', 'app_name'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'Seconds from the arrival of an HTTP request to the end of its response',
      labelNames: ['method', 'path', 'status_code', 'app_name'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.httpInProgress = new Gauge({
      name: `${prefix}_requests_in_progress`,
      help: 'HTTP requests being answered now',
      labelNames: ['method', 'app_name'],
      registers,
    });
    const grpcLabels = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
    this.grpcStarted = new Counter({
      name: 'grpc_server_started_total',
      help: 'gRPC calls started',
      labelNames: grpcLabels,
      registers,
    });
    this.grpcHandled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed, by status code',
      labelNames: [...grpcLabels, 'grpc_code'],
      registers,
    });
    this.grpcHandling = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Seconds from the start of a gRPC call to its status',
      labelNames: grpcLabels,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.grpcSent = new Counter({
      name: 'grpc_server_msg_sent_total',
      help: 'gRPC response messages sent',
      labelNames: grpcLabels,
      registers,
    });
    this.wsSessions = new Counter({
      name: 'ws_server_sessions_total',
      help: 'WebSocket sessions ended, by close code (or the HTTP status of a refused upgrade)',
      labelNames: ['operation', 'code'],
      registers,
    });
    this.wsDuration = new Histogram({
      name: 'ws_server_session_duration_seconds',
      help: 'Seconds from a WebSocket upgrade request to the end of its session',
      labelNames: ['operation', 'code'],
      buckets: GAP_BUCKETS,
      registers,
    });
    this.wsInProgress = new Gauge({
      name: 'ws_server_sessions_in_progress',
      help: 'WebSocket sessions open now',
      labelNames: ['operation'],
      registers,
    });
    this.wsSent = new Counter({
      name: 'ws_server_messages_sent_total',
      help: 'WebSocket responses sent',
      labelNames: ['operation'],
      registers,
    });
  }

  onCallStart(call: Call): void {
    switch (call.transport) {
      case 'rest':
      case 'sse':
        this.httpInProgress.inc({ method: httpMethod(call), app_name: this.appName });
        break;
      case 'grpc':
        this.grpcStarted.inc(grpcMethodLabels(call));
        break;
      case 'ws':
        this.wsInProgress.inc({ operation: call.operation });
        break;
    }
  }

  onSessionOpen(call: Call): void {
    if (this.activeStreams.has(call)) return;
    const labels = this.modelLabels(call);
    this.activeStreams.set(call, labels);
    this.streamsActive.inc(labels);
  }

  onCallResponse(call: Call): void {
    if (call.transport === 'grpc') this.grpcSent.inc(grpcMethodLabels(call));
    else if (call.transport === 'ws') this.wsSent.inc({ operation: call.operation });
    if (!call.sessionOpen || call.lastResponseAt === undefined) return;
    const labels = this.modelLabels(call);
    if (call.responses === 1)
      this.firstResponse.observe(labels, (call.lastResponseAt - call.startedAt) / 1000);
    else if (call.previousResponseAt !== undefined)
      this.responseGap.observe(labels, (call.lastResponseAt - call.previousResponseAt) / 1000);
  }

  onCallEnd(call: Call): void {
    const seconds = (performance.now() - call.startedAt) / 1000;
    this.transportEnded(call, seconds);
    if (call.kind === undefined) return;
    const labels = this.modelLabels(call);
    (call.error ? this.failure : this.success).inc(labels);
    this.durationSummary.observe(labels, seconds);
    this.duration.observe(labels, seconds);
    if (!call.sessionOpen) return;
    const active = this.activeStreams.get(call);
    if (active) this.streamsActive.dec(active);
    this.activeStreams.delete(call);
    this.streamResponses.observe(labels, call.responses);
    this.streamBytes.inc(labels, call.bytesOut);
    const reason = call.error && INTERRUPTIONS[call.error.code];
    if (reason) this.streamInterrupted.inc({ ...labels, reason });
  }

  onCallQueued(call: Call, seconds: number): void {
    this.queueTime.observe(this.models.of(call.model), seconds);
  }

  onBatch(model: ModelRef, size: number): void {
    this.batchSize.observe(this.models.of(model), size);
  }

  private transportEnded(call: Call, seconds: number): void {
    switch (call.transport) {
      case 'rest':
      case 'sse': {
        const method = httpMethod(call);
        const labels = {
          method,
          path: call.operation.slice(method.length + 1),
          status_code: String(call.status ?? 0),
          app_name: this.appName,
        };
        this.httpRequests.inc(labels);
        this.httpDuration.observe(labels, seconds);
        this.httpInProgress.dec({ method, app_name: this.appName });
        break;
      }
      case 'grpc': {
        const labels = grpcMethodLabels(call);
        this.grpcHandled.inc({ ...labels, grpc_code: grpcCodeName(call.status) });
        this.grpcHandling.observe(labels, seconds);
        break;
      }
      case 'ws': {
        const labels = { operation: call.operation, code: String(call.status ?? 0) };
        this.wsSessions.inc(labels);
        this.wsDuration.observe(labels, seconds);
        this.wsInProgress.dec({ operation: call.operation });
        break;
      }
    }
  }

  private modelLabels(call: Call): ModelLabelValues & { transport: Transport } {
    return { ...this.models.of(call.model), transport: call.transport };
  }
}

/** The HTTP method of a REST or SSE call (its operation is `<METHOD> <route>`). */
function httpMethod(call: Call): string {
  const space = call.operation.indexOf(' ');
  return space > 0 ? call.operation.slice(0, space) : call.operation;
}
