import type { Target } from './measurement.js';

/** The targets, by scenario id: reported beside the figures, never enforced. */
export const TARGETS: Readonly<Record<string, Target>> = {
  'rest-infer': { text: '≥0.6× node:http', minRatio: 0.6 },
  'rest-infer-wrk': { text: '≥0.6× node:http', minRatio: 0.6 },
  'grpc-infer-typed': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-infer-raw': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-infer-h2load': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-stream6-h2load': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'sse-stream6': { text: '≥0.6× bare SSE', minRatio: 0.6 },
  'grpc-stream6': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-long-stream': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'ws-long-session': { text: '≥0.6× bare ws', minRatio: 0.6 },
  'held-sse': { text: '<30 KB/stream', maxValue: 30 },
  'held-grpc': { text: '<30 KB/stream', maxValue: 30 },
  'held-ws': { text: '<30 KB/session', maxValue: 30 },
};
