import type { Target } from './measurement.js';

const REST_1: Target = { text: '≥0.6× node:http', minRatio: 0.6 };
const REST_16: Target = { text: '≥0.4× node:http, ≥3× express', minRatio: 0.4, minExpressRatio: 3 };
const SSE_1: Target = { text: '≥0.6× bare SSE', minRatio: 0.6 };
const SSE_16: Target = { text: '≥0.4× bare SSE', minRatio: 0.4 };

/**
 * The issues' targets (#6, and #16 for the REST/SSE fast path), by scenario id or by
 * `<id>@<concurrency>`: reported beside the figures, never enforced.
 */
export const TARGETS: Readonly<Record<string, Target>> = {
  'rest-infer@1': REST_1,
  'rest-infer@16': REST_16,
  'rest-infer-wrk@1': REST_1,
  'rest-infer-wrk@16': REST_16,
  'grpc-infer-typed': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-infer-raw': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-infer-h2load': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-stream6-h2load': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'sse-stream6@1': SSE_1,
  'sse-stream6@16': SSE_16,
  'sse-stream6-wrk@1': SSE_1,
  'sse-stream6-wrk@16': SSE_16,
  'grpc-stream6': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-long-stream': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'ws-long-session': { text: '≥0.6× bare ws', minRatio: 0.6 },
  'held-sse': { text: '<16 KB/stream', maxValue: 16 },
  'held-grpc': { text: '<30 KB/stream', maxValue: 30 },
  'held-ws': { text: '<30 KB/session', maxValue: 30 },
};
