import { batchedName } from '../bench-repo.js';
import type { BenchContext, Scenario } from '../context.js';
import { runRealtimeSessions } from '../load/realtime-sessions.js';
import type { Measurement } from '../measurement.js';

/** 512 samples at 16 kHz. */
const PERIOD_MS = 32;
const P99_LIMIT_MS = 100;

/** One 512-sample FP32 window of low noise (the model's cost does not depend on the audio). */
function frame(): Uint8Array {
  const samples = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i / 7) * 0.01);
  return new Uint8Array(samples.buffer);
}

/** Session counts tried, in order, until one misses real time. */
function ladder(context: BenchContext): number[] {
  return context.config.mode === 'quick'
    ? [10, 25, 50, 100, 200, 400, 600, 800, 1000, 1200]
    : [10, 25, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600];
}

interface Step {
  sessions: number;
  ok: boolean;
  p99: number;
  growth: number;
  errors: number;
}

async function climb(context: BenchContext, model: string): Promise<Step[]> {
  const url = `${context.server.http.replace(/^http/, 'ws')}/v2/models/${model}/infer_stream`;
  const steps: Step[] = [];
  for (const sessions of ladder(context)) {
    const result = await runRealtimeSessions({
      url,
      sessions,
      frame: frame(),
      periodMs: PERIOD_MS,
      warmupMs: context.config.mode === 'quick' ? 1500 : 3000,
      durationMs: context.config.mode === 'quick' ? 4000 : 10_000,
    });
    // Real time holds when 99% of windows are answered within 100 ms and the backlog did not
    // grow over the measured window (in flight: about one window per session at most).
    const growth = result.backlogAtEnd - result.backlogAtMiddle;
    const ok =
      result.errors === 0 &&
      result.latency.count > 0 &&
      result.latency.p99 < P99_LIMIT_MS &&
      result.backlogAtEnd <= sessions * 2;
    steps.push({ sessions, ok, p99: result.latency.p99, growth, errors: result.errors });
    console.log(
      `  ${model}: ${sessions} sessions, p99 ${result.latency.p99.toFixed(1)} ms, backlog ${result.backlogAtMiddle}→${result.backlogAtEnd}, errors ${result.errors}: ${ok ? 'real time' : 'missed'}`,
    );
    // Let the server drain what the missed step left before the next model is measured.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (!ok) break;
  }
  return steps;
}

/**
 * Real-time VAD capacity (issue 12): N WebSocket sessions of Silero VAD with server-held state,
 * each sending one 512-sample window every 32 ms; the largest N whose windows are answered with
 * p99 < 100 ms and no growing backlog. Server column: the batched copy (steps of all sessions
 * batched, `max_batch_size` 32, 2 ms); baseline column: the model unbatched. Goal: 1,000.
 */
export const vadCapacity: Scenario = {
  id: 'vad-capacity',
  async run(context) {
    const out: Measurement[] = [];
    const label = 'Silero VAD real-time sessions (largest N, p99 < 100 ms): batched vs unbatched';
    for (const [side, model] of [
      ['baseline', 'silero-vad'],
      ['server', batchedName('silero-vad')],
    ] as const) {
      if (!context.readyModels.has(model)) {
        out.push({
          id: 'vad-capacity',
          label,
          side,
          concurrency: 1,
          value: Number.NaN,
          unit: 'sessions',
          higherIsBetter: true,
          count: 0,
          errors: 0,
          unavailable: context.modelReasons.get(model) ?? `${model} not ready`,
        });
        continue;
      }
      const steps = await climb(context, model);
      const best = steps.filter((s) => s.ok).at(-1);
      const missed = steps.find((s) => !s.ok);
      out.push({
        id: 'vad-capacity',
        label,
        side,
        concurrency: 1,
        value: best?.sessions ?? 0,
        unit: 'sessions',
        higherIsBetter: true,
        count: steps.length,
        errors: 0,
        extra: {
          p99AtBestMs: best?.p99 ?? Number.NaN,
          missedAt: missed?.sessions ?? Number.NaN,
          p99AtMissMs: missed?.p99 ?? Number.NaN,
        },
      });
    }
    return out;
  },
};
