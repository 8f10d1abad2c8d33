import type { Target } from './measurement.js';

/** The targets, by scenario id: reported beside the figures, never enforced. */
export const TARGETS: Readonly<Record<string, Target>> = {
  'rest-infer': { text: '≥0.6× node:http', minRatio: 0.6 },
  'grpc-infer-typed': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-infer-raw': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'sse-stream6': { text: '≥0.6× bare SSE', minRatio: 0.6 },
  'grpc-stream6': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'grpc-long-stream': { text: '≥1.0× bare grpc-js', minRatio: 1.0 },
  'held-sse': { text: '<30 KB/stream', maxValue: 30 },
  'held-grpc': { text: '<30 KB/stream', maxValue: 30 },
};

/** Seldon MLServer 1.6.1 on the same machine kind (from the issue), for context in BENCHMARKS.md. */
export const MLSERVER_REFERENCE: Readonly<Record<string, Record<number, number>>> = {
  'rest-infer': { 1: 1230, 16: 1600 },
  'grpc-infer-typed': { 1: 1050, 16: 1750 },
  'sse-stream6': { 1: 690, 16: 860 },
  'grpc-stream6': { 1: 360, 16: 570 },
};
