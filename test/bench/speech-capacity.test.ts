import { searchCapacity } from '../../bench/capacity-search.js';
import type { Sample, StepResult } from '../../bench/load/speech-sessions.js';
import { readMachineCpu } from '../../bench/machine-cpu.js';
import { speechOptions } from '../../bench/scenarios/speech-capacity.js';
import {
  GROWTH_MIN_RESULTS,
  judge,
  LAG_GROWTH_LIMIT_MS,
  latencyGrowth,
  P99_LIMIT_MS,
  SEND_LAG_LIMIT_MS,
} from '../../bench/speech-judge.js';

const CONTEXT = { cpu: { server: 0.5, bench: 0.1, others: 0 }, loadAverage: 1 };

function step(samples: Sample[], more: Partial<StepResult> = {}): StepResult {
  return {
    sessions: 4,
    samples,
    errors: 0,
    frames: samples.length,
    sendLagP50Ms: 1,
    sendLagP99Ms: 3,
    sendLagMaxMs: 5,
    windowMs: 1000,
    ...more,
  };
}

/** `n` results sent 10 ms apart with the latencies `latency(i)`. */
function samples(n: number, latency: (i: number) => number, final?: (i: number) => boolean): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    sentAt: i * 10,
    latencyMs: latency(i),
    ...(final ? { final: final(i) } : {}),
  }));
}

describe('the real-time capacity criterion', () => {
  it('passes steady results under the p99 limit, and reports finals and partials apart', () => {
    const verdict = judge(
      'vad-asr',
      step(
        samples(
          200,
          (i) => (i % 10 === 0 ? 60 : 20),
          (i) => i % 10 === 0,
        ),
      ),
      CONTEXT,
    );
    expect(verdict).toMatchObject({ model: 'vad-asr', load: 4, pass: true, results: 200 });
    expect(verdict.p50Ms).toBe(20);
    expect(verdict.finalP99Ms).toBe(60);
    expect(verdict.partialP99Ms).toBe(20);
    expect(verdict.lagGrowthMs).toBe(0);
    expect(verdict.why).toBeUndefined();
    expect(verdict.cpu).toEqual(CONTEXT.cpu);
  });

  it('fails a step whose 99th percentile reaches the limit', () => {
    // 3 of 200 results (1.5 %) at the limit: the p99 is the limit itself, which does not pass.
    const verdict = judge('vad', step(samples(200, (i) => (i % 70 === 5 ? P99_LIMIT_MS : 10))), CONTEXT);
    expect(verdict.pass).toBe(false);
    expect(verdict.why).toBe(`p99 ${P99_LIMIT_MS.toFixed(1)} ms`);
    // 1 of 200 (0.5 %) above it is within the 99th percentile.
    expect(judge('vad', step(samples(200, (i) => (i === 7 ? 900 : 10))), CONTEXT).pass).toBe(true);
  });

  it('fails a growing backlog that stays under the p99 limit', () => {
    const growing = samples(400, (i) => 10 + (i / 400) * (LAG_GROWTH_LIMIT_MS + 40));
    const verdict = judge('silero-vad', step(growing), CONTEXT);
    expect(verdict.p99Ms).toBeLessThan(P99_LIMIT_MS);
    expect(verdict.lagGrowthMs).toBeGreaterThan(LAG_GROWTH_LIMIT_MS);
    expect(verdict.pass).toBe(false);
    expect(verdict.why).toMatch(/^latency grew \d+\.\d ms over the step$/);
  });

  it('measures growth by quarters of the results in send order, and not below a minimum count', () => {
    const shuffled = samples(8, (i) => (i < 2 ? 5 : i >= 6 ? 45 : 20)).reverse();
    expect(latencyGrowth(shuffled)).toBe(40);
    expect(latencyGrowth(samples(GROWTH_MIN_RESULTS - 1, (i) => i * 50))).toBeNaN();
    // Too few results to judge growth: the step is judged on its p99 alone.
    const few = judge('vad', step(samples(3, (i) => 10 + i)), CONTEXT);
    expect(few.lagGrowthMs).toBeNaN();
    expect(few.pass).toBe(true);
  });

  it('fails errors, no results at all, and a load generator that could not keep its schedule', () => {
    const ok = samples(50, () => 10);
    expect(judge('vad', step(ok, { errors: 2, firstError: 'a session closed with 4429' }), CONTEXT).why).toBe(
      '2 errors (a session closed with 4429)',
    );
    expect(judge('vad', step([]), CONTEXT).why).toBe('no results');
    const late = judge('vad', step(ok, { sendLagP50Ms: SEND_LAG_LIMIT_MS + 1 }), CONTEXT);
    expect(late.pass).toBe(false);
    expect(late.why).toMatch(/^the load generator fell behind/);
    // Stalls of a busy machine (a late 99th percentile) do not fail a step: they only make latencies worse.
    expect(judge('vad', step(ok, { sendLagP99Ms: 60, sendLagMaxMs: 80 }), CONTEXT).pass).toBe(true);
  });
});

describe('the capacity search', () => {
  it('doubles until a step fails, then bisects to within the resolution', async () => {
    const tried: number[] = [];
    const { capacity, steps } = await searchCapacity(
      async (load) => {
        tried.push(load);
        return { load, pass: load <= 37 };
      },
      { start: 1, max: 1024, resolution: 1 / 16 },
    );
    expect(tried.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    // Between 32 and 64: stops once the gap is at most 1/16 of the passing load (2 sessions at 36).
    expect(tried.slice(7)).toEqual([48, 40, 36, 38]);
    expect(capacity).toBe(36);
    expect(steps.map((s) => s.load)).toEqual(tried);
  });

  it('answers 0 when one session fails, and stops at the bound when every step passes', async () => {
    expect(
      (await searchCapacity(async (load) => ({ load, pass: false }), { start: 1, max: 64, resolution: 0.1 }))
        .capacity,
    ).toBe(0);
    const all = await searchCapacity(async (load) => ({ load, pass: true }), {
      start: 1,
      max: 40,
      resolution: 0.1,
    });
    expect(all.capacity).toBe(40);
    expect(all.steps.map((s) => s.load)).toEqual([1, 2, 4, 8, 16, 32, 40]);
  });
});

describe('the scenario options', () => {
  it('defaults to every model and 5 s (quick) or 15 s (full) steps', () => {
    const quick = speechOptions([], 'quick');
    expect(quick.stepSeconds).toBe(5);
    expect(quick.workloads.map((w) => w.model)).toEqual(['silero-vad', 'vad', 'vad-asr', 'vad-asr-fast']);
    expect(quick.maxSessions).toBe(Number.POSITIVE_INFINITY);
    expect(quick.vadBatch).toBeUndefined();
    expect(speechOptions([], 'full').stepSeconds).toBe(15);
  });

  it('reads the models, step length, bound and adaptive-batching settings', () => {
    const options = speechOptions(
      [
        '--speech-models',
        'vad,silero-vad',
        '--speech-step',
        '8',
        '--speech-max',
        '300',
        '--speech-batch',
        '32:0.005',
      ],
      'full',
    );
    expect(options.workloads.map((w) => w.model)).toEqual(['silero-vad', 'vad']);
    expect(options.stepSeconds).toBe(8);
    expect(options.maxSessions).toBe(300);
    expect(options.vadBatch).toEqual({ maxBatchSize: 32, maxBatchTime: 0.005 });
  });

  it('refuses unknown models and malformed values', () => {
    expect(() => speechOptions(['--speech-models', 'whisper'], 'quick')).toThrow(/unknown whisper/);
    expect(() => speechOptions(['--speech-step', '0'], 'quick')).toThrow(/--speech-step/);
    expect(() => speechOptions(['--speech-max', 'x'], 'quick')).toThrow(/--speech-max/);
    expect(() => speechOptions(['--speech-batch', '32'], 'quick')).toThrow(/--speech-batch/);
    expect(() => speechOptions(['--speech-batch', '0:0.01'], 'quick')).toThrow(/--speech-batch/);
  });
});

describe('machine CPU', () => {
  it('reads the busy and total CPU time of the machine from /proc/stat', () => {
    const before = readMachineCpu();
    let x = 0;
    for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const after = readMachineCpu();
    expect(Number.isFinite(before.busyMicros)).toBe(true);
    expect(after.busyMicros).toBeGreaterThanOrEqual(before.busyMicros);
    expect(after.totalMicros).toBeGreaterThanOrEqual(after.busyMicros);
  });
});
