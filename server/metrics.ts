import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { InferenceObserver } from './dataplane.js';
import type { InferenceServerError } from './errors.js';

/**
 * Prometheus metrics (prom-client): inference counts, errors and latency per model, plus the
 * process's default metrics. Served on their own port, as MLServer does.
 */
export class Metrics implements InferenceObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'kind' | 'code'>;
  private readonly latency: Histogram<'model' | 'kind'>;

  constructor(prefix: string) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'model_infer_request_total',
      help: 'Inference calls by model, kind (infer or stream) and outcome code',
      labelNames: ['model', 'kind', 'code'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: `${prefix.replace(/[^a-zA-Z0-9_]/g, '_')}_infer_duration_seconds`,
      help: 'Time from the start of an inference call to its last response',
      labelNames: ['model', 'kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
  }

  onInferenceDone(
    model: string,
    kind: 'infer' | 'stream',
    seconds: number,
    error?: InferenceServerError,
  ): void {
    this.requests.inc({ model, kind, code: error ? error.code : 'ok' });
    this.latency.observe({ model, kind }, seconds);
  }

  /** An HTTP server answering `GET <endpoint>` with the metrics in Prometheus text format. */
  createServer(endpoint: string): Server {
    return createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== endpoint) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'not found' }));
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: Error) =>
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: err.message })),
      );
    });
  }
}
