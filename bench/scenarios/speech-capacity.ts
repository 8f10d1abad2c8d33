import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { searchCapacity } from '../capacity-search.js';
import { renderSpeechChart, speechChartTitle } from '../chart/speech-chart.js';
import type { BenchContext, Scenario } from '../context.js';
import { runStep, type SessionScript } from '../load/speech-sessions.js';
import { describeMachine } from '../machine.js';
import { readMachineCpu } from '../machine-cpu.js';
import { type Measurement, unavailable } from '../measurement.js';
import { readCpuMicros } from '../processes.js';
import { describeStep, judge, type SpeechStep, type StepCpu } from '../speech-judge.js';
import { type SpeechServer, startSpeechServer } from '../speech-server.js';
import { ASR_MAX_SESSIONS, sessionScripts, WORKLOADS, type Workload } from '../speech-workloads.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** How a run of the scenario is set up, from the bench's arguments. */
export interface SpeechOptions {
  /** Seconds of audio each session streams per step (`--speech-step <s>`, else 5 quick / 15 full). */
  stepSeconds: number;
  /** The workloads to measure (`--speech-models silero-vad,vad,vad-asr,vad-asr-fast`, else all). */
  workloads: readonly Workload[];
  /** The most sessions tried for any model (`--speech-max <n>`), under each workload's own bound. */
  maxSessions: number;
  /**
   * `--speech-batch <max_batch_size>:<max_batch_time seconds>` (e.g. `32:0.005`): sets MLServer's
   * adaptive-batching fields on the VAD models (`silero-vad`, `vad`) for servers that batch across
   * sessions (issue 12). Without it the models run as shipped.
   */
  vadBatch?: { maxBatchSize: number; maxBatchTime: number };
}

/** Parses the scenario's arguments; throws on a malformed one. */
export function speechOptions(argv: readonly string[], mode: 'quick' | 'full'): SpeechOptions {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const step = value('--speech-step');
  const stepSeconds = step === undefined ? (mode === 'quick' ? 5 : 15) : Number(step);
  if (!(stepSeconds >= 1)) throw new Error(`--speech-step takes seconds ≥ 1, got ${step}`);
  const models = value('--speech-models')?.split(',').filter(Boolean);
  const unknown = models?.filter((m) => !WORKLOADS.some((w) => w.model === m)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `--speech-models: unknown ${unknown.join(', ')} (known: ${WORKLOADS.map((w) => w.model).join(', ')})`,
    );
  const max = value('--speech-max');
  const maxSessions = max === undefined ? Number.POSITIVE_INFINITY : Number(max);
  if (!(maxSessions >= 1)) throw new Error(`--speech-max takes a number of sessions ≥ 1, got ${max}`);
  const batch = value('--speech-batch');
  let vadBatch: SpeechOptions['vadBatch'];
  if (batch !== undefined) {
    const [size, time] = batch.split(':').map(Number);
    if (!Number.isInteger(size) || size! < 1 || !(time! >= 0))
      throw new Error(`--speech-batch takes <max_batch_size>:<max_batch_time seconds>, got ${batch}`);
    vadBatch = { maxBatchSize: size!, maxBatchTime: time! };
  }
  return {
    stepSeconds,
    workloads: models ? WORKLOADS.filter((w) => models.includes(w.model)) : WORKLOADS,
    maxSessions,
    ...(vadBatch ? { vadBatch } : {}),
  };
}

/** Seconds of audio of the unmeasured warm-up step (one session) before each model's search. */
const WARMUP_SECONDS = 3;

/**
 * The largest number of concurrent real-time sessions this machine sustains, per model: each
 * session streams the corpus over WebSocket, one frame per frame period, and every result's
 * latency is measured from the send of the frame that produced it (`speech-judge.ts` has the
 * criterion). Doubling, then bisection. Writes every step to `bench/results/speech-capacity-*.json`
 * and the chart to `bench/speech-capacity.svg`.
 */
export const speechCapacity: Scenario = {
  id: 'speech-capacity',
  async run(context) {
    const options = speechOptions(process.argv.slice(2), context.config.mode);
    const row = (w: Workload) =>
      ({ id: w.id, label: w.label, side: 'server', concurrency: 0, unit: 'sessions' }) as const;
    let speech: SpeechServer;
    try {
      speech = await startSpeechServer(REPO_ROOT, context.config.cli, {
        maxAsrSessions: ASR_MAX_SESSIONS,
        ...(options.vadBatch ? { vadBatch: options.vadBatch } : {}),
      });
    } catch (err) {
      const why = `the speech server did not start: ${err instanceof Error ? err.message : String(err)}`;
      return options.workloads.map((w) => unavailable(row(w), why));
    }
    const measurements: Measurement[] = [];
    const steps: SpeechStep[] = [];
    try {
      for (const workload of options.workloads) {
        const notReady = speech.notReady[workload.model];
        if (notReady) {
          measurements.push(unavailable(row(workload), notReady));
          continue;
        }
        let plan: SessionScript[];
        let warmup: SessionScript[];
        try {
          const folder = speech.folders[workload.model];
          plan = await sessionScripts(workload, folder, options.stepSeconds);
          warmup = await sessionScripts(workload, folder, Math.min(WARMUP_SECONDS, options.stepSeconds));
        } catch (err) {
          const why = `reference run failed: ${err instanceof Error ? err.message : String(err)}`;
          measurements.push(unavailable(row(workload), why));
          continue;
        }
        const done = await search(speech, workload, plan, warmup, options);
        steps.push(...done.steps);
        measurements.push(measurement(workload, done.capacity, done.steps, options.stepSeconds));
      }
    } finally {
      await speech.stop();
    }
    if (steps.length > 0) await record(context, steps, options);
    return measurements;
  },
};

/** One model's search: a warm-up step, then doubling and bisection on the number of sessions. */
async function search(
  speech: SpeechServer,
  workload: Workload,
  plan: readonly SessionScript[],
  warmup: readonly SessionScript[],
  options: SpeechOptions,
): Promise<{ capacity: number; steps: SpeechStep[] }> {
  const frameMs = (workload.frameSamples / 16000) * 1000;
  const url = `${speech.server.endpoints.http.replace(/^http/, 'ws')}/v2/models/${workload.model}/infer_stream`;
  const files = describeMachine().openFileLimit;
  const max = Math.min(
    workload.maxSessions,
    options.maxSessions,
    // Two descriptors per session (client and server side, both in processes of this user).
    Number.isFinite(files) ? Math.floor((files - 200) / 2) : 1024,
  );
  const step = async (sessions: number, scripts: readonly SessionScript[]) => {
    await speech.waitForIdle(10_000);
    const cpu = cpuWindow(speech.server.process.pid);
    const loadAverage = loadavg()[0]!;
    const result = await runStep({
      url,
      sessions,
      scripts,
      frameMs,
      // Recognisers are made when a session opens (0.3 s of CPU each): wait until they are.
      settle: () => speech.waitForIdle(Math.max(3000, sessions * 800)),
      onWindow: cpu.mark,
    });
    return judge(workload.model, result, { cpu: cpu.cores(), loadAverage });
  };
  const warm = await step(1, warmup);
  process.stderr.write(`  warm-up (not counted) ${describeStep(warm)}\n`);
  return searchCapacity(
    async (sessions) => {
      const verdict = await step(sessions, plan);
      process.stderr.write(`  ${describeStep(verdict)}\n`);
      return verdict;
    },
    { start: 1, max, resolution: 1 / 16 },
  );
}

/** CPU used by the server, the bench and everything else between the two marks of a step's window. */
function cpuWindow(serverPid: number): { mark(phase: 'start' | 'end'): void; cores(): StepCpu } {
  const read = () => ({
    at: performance.now(),
    server: readCpuMicros(serverPid),
    bench: readCpuMicros(process.pid),
    machine: readMachineCpu().busyMicros,
  });
  let start = read();
  let end = start;
  return {
    mark(phase) {
      if (phase === 'start') start = read();
      else end = read();
    },
    cores() {
      const micros = (end.at - start.at) * 1000;
      const server = (end.server - start.server) / micros;
      const bench = (end.bench - start.bench) / micros;
      return { server, bench, others: (end.machine - start.machine) / micros - server - bench };
    },
  };
}

/** The scenario's row for one model: the capacity, with the figures of the step that showed it. */
function measurement(
  workload: Workload,
  capacity: number,
  done: readonly SpeechStep[],
  seconds: number,
): Measurement {
  const best = done.filter((s) => s.load === capacity && s.pass).at(-1);
  const failing = done.filter((s) => !s.pass).sort((a, b) => a.load - b.load)[0];
  return {
    id: workload.id,
    label: workload.label,
    side: 'server',
    concurrency: capacity,
    value: capacity,
    unit: 'sessions',
    higherIsBetter: true,
    count: best?.results ?? 0,
    errors: 0,
    ...(best
      ? {
          latency: {
            count: best.results,
            mean: Number.NaN,
            p50: best.p50Ms,
            p90: Number.NaN,
            p99: best.p99Ms,
            max: best.maxMs,
          },
        }
      : {}),
    extra: {
      p99Ms: best?.p99Ms ?? Number.NaN,
      finalP99Ms: best?.finalP99Ms ?? Number.NaN,
      lagGrowthMs: best?.lagGrowthMs ?? Number.NaN,
      serverCpuPctPerSession: best ? (100 * best.cpu.server) / best.load : Number.NaN,
      otherCores: best?.cpu.others ?? Number.NaN,
      firstFailing: failing?.load ?? Number.NaN,
      firstFailingP99Ms: failing?.p99Ms ?? Number.NaN,
      steps: done.length,
      stepSeconds: seconds,
    },
  };
}

/** Writes every step to `bench/results/speech-capacity-<time>.json` and the chart to `bench/speech-capacity.svg`. */
async function record(context: BenchContext, steps: SpeechStep[], options: SpeechOptions): Promise<void> {
  const benchDir = path.join(REPO_ROOT, 'bench');
  const results = path.join(benchDir, 'results');
  mkdirSync(results, { recursive: true });
  const at = new Date().toISOString();
  const file = path.join(results, `speech-capacity-${at.replaceAll(':', '-')}.json`);
  const machine = describeMachine();
  const { stepSeconds, vadBatch } = options;
  writeFileSync(
    file,
    `${JSON.stringify({ at, mode: context.config.mode, stepSeconds, vadBatch, machine, steps }, null, 2)}\n`,
  );
  process.stderr.write(`speech capacity steps: ${path.relative(process.cwd(), file)}\n`);
  const chart = path.join(benchDir, 'speech-capacity.svg');
  await renderSpeechChart(steps, speechChartTitle(context.config.mode, at, stepSeconds), chart);
  process.stderr.write(`speech capacity chart: ${path.relative(process.cwd(), chart)}\n`);
}
