import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The kinds of custom metric; `log` registers a histogram for a name never registered (as MLServer). */
export type CustomMetricType = 'histogram' | 'counter' | 'gauge';

/** How to register a custom metric. */
export interface CustomMetricOptions {
  /** Default: `histogram`, as MLServer's `register`. */
  type?: CustomMetricType;
  /** Histogram buckets; default prom-client's (0.005 … 10). */
  buckets?: number[];
}

/** The model a value belongs to: an `MLModel` (`this` in a runtime) or its name and version. */
export interface MetricModel {
  readonly name: string;
  readonly version?: string | undefined;
}

/** A registered custom metric. */
export interface CustomMetric {
  readonly name: string;
  readonly type: CustomMetricType;
  /** Records a value for a model: a histogram observes it, a counter adds it, a gauge is set to it. */
  record(value: number, model: MetricModel): void;
}

/** The labels of every custom metric, MLServer's names. */
export const CUSTOM_METRIC_LABELS = ['model_name', 'model_version'] as const;

/** Prefixes of the server's own metric names; a custom metric may not take one. */
const RESERVED_PREFIXES = [
  'model_infer_',
  'model_stream_',
  'grpc_server_',
  'ws_server_',
  'process_',
  'nodejs_',
];

/**
 * Where custom metrics live: one per process, as runtimes are (every server of the process
 * serves it on its metrics endpoint, after its own metrics).
 */
export const customMetricsRegistry = new Registry();

const metrics = new Map<string, CustomMetric>();

/**
 * What a worker thread's runtime does with custom metrics, as the server thread replays it: the
 * worker's own registry is served by nobody, so registrations and values cross to the server.
 */
export type CustomMetricEvent =
  | { t: 'register'; name: string; description: string; options: CustomMetricOptions }
  | { t: 'record'; name: string; value: number; model: { name: string; version?: string } };

let forward: ((event: CustomMetricEvent) => void) | undefined;

/**
 * In a worker thread: sends this thread's custom metrics to `to` (the server thread, which
 * replays them with `replayCustomMetric`). Registration is still checked here, so a runtime's
 * mistake throws where it was made.
 */
export function forwardCustomMetrics(to: (event: CustomMetricEvent) => void): void {
  forward = to;
}

/** In the server thread: records what a worker's runtime did (see `forwardCustomMetrics`). */
export function replayCustomMetric(event: CustomMetricEvent): void {
  if (event.t === 'register') register(event.name, event.description, event.options);
  else metrics.get(event.name)?.record(event.value, event.model);
}

/**
 * Registers a custom metric (MLServer's `mlserver.register(name, description)`), labelled with
 * `model_name` and `model_version`; registering a name again returns the metric already there
 * (a different type is an error). Call it in `load()`.
 */
function register(name: string, description: string, options: CustomMetricOptions = {}): CustomMetric {
  const type = options.type ?? 'histogram';
  const existing = metrics.get(name);
  if (existing) {
    if (existing.type !== type)
      throw new Error(`custom metric '${name}' is already registered as a ${existing.type}, not a ${type}`);
    return existing;
  }
  const reserved = RESERVED_PREFIXES.find((prefix) => name.startsWith(prefix));
  if (reserved)
    throw new Error(`custom metric '${name}': names starting with '${reserved}' are the server's`);
  const config = {
    name,
    help: description,
    labelNames: CUSTOM_METRIC_LABELS,
    registers: [customMetricsRegistry],
  };
  const labels = (model: MetricModel) => ({ model_name: model.name, model_version: model.version ?? '' });
  let record: CustomMetric['record'];
  if (type === 'counter') {
    const counter = new Counter(config);
    record = (value, model) => counter.inc(labels(model), value);
  } else if (type === 'gauge') {
    const gauge = new Gauge(config);
    record = (value, model) => gauge.set(labels(model), value);
  } else {
    const histogram = new Histogram({ ...config, ...(options.buckets ? { buckets: options.buckets } : {}) });
    record = (value, model) => histogram.observe(labels(model), value);
  }
  const send = forward;
  if (send) {
    send({ t: 'register', name, description, options });
    record = (value, model) =>
      send({ t: 'record', name, value, model: { name: model.name, version: model.version ?? undefined } });
  }
  const metric: CustomMetric = { name, type, record };
  metrics.set(name, metric);
  return metric;
}

/**
 * Records values of custom metrics for a model (MLServer's `mlserver.log(**metrics)`): each key
 * is a metric name; a name never registered becomes a histogram on the fly. The model is
 * explicit (MLServer reads it from a context variable; here that would cost every request an
 * AsyncLocalStorage): pass `this` from a runtime.
 */
function log(values: Readonly<Record<string, number>>, model: MetricModel): void {
  for (const [name, value] of Object.entries(values)) {
    const metric = metrics.get(name) ?? register(name, `custom metric ${name}`);
    metric.record(value, model);
  }
}

/**
 * Custom metrics for runtime authors, served with the server's own on `metrics_endpoint`:
 *
 * ```ts
 * import { metrics } from 'mlserver-ts';
 * metrics.register('tokens_per_request', 'Tokens in each request');   // in load()
 * metrics.log({ tokens_per_request: tokens.length }, this);           // in predict()
 * ```
 */
export const customMetrics = { register, log };
