/**
 * The real-time capacity criterion of the speech scenario (issue 13, item 5), kept pure so that a
 * unit test can check it: a step of N concurrent sessions passes when the 99th percentile of
 * frame-to-result latency is under 100 ms, the latency does not grow over the step (no backlog),
 * nothing failed, and the load generator kept its own schedule.
 */
import type { StepVerdict } from './capacity-search.js';
import type { Sample, StepResult } from './load/speech-sessions.js';
import { summariseLatencies } from './stats.js';

/** A step passes when results come back this fast (99th percentile, frame sent → result received)… */
export const P99_LIMIT_MS = 100;
/** …and the median latency of its last quarter of results exceeds its first quarter's by at most this. */
export const LAG_GROWTH_LIMIT_MS = 25;
/** Results needed to compare quarters; with fewer the growth is not judged (the p99 limit still holds). */
export const GROWTH_MIN_RESULTS = 8;
/**
 * A step whose sends were this late in the median measured the load generator, not the server:
 * it could not offer the load. (A short stall of the generator, which a busy machine causes, only
 * delays a few sends and the receipt of their results: latencies count from the actual send and
 * end at the actual receipt, so such stalls make the figures worse, never better.)
 */
export const SEND_LAG_LIMIT_MS = 10;

/** CPU the processes used while a step streamed, in cores (1 = one core busy the whole time). */
export interface StepCpu {
  server: number;
  /** The bench process (the load generator). */
  bench: number;
  /** Everything else on the machine (other users' work). */
  others: number;
}

/** One step of the search, as recorded, charted and reported. */
export interface SpeechStep extends StepVerdict {
  model: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of final transcripts and of partial ones (ASR models; NaN otherwise). */
  finalP99Ms: number;
  partialP99Ms: number;
  /** Median latency of the last quarter of results minus the first quarter's (NaN: too few results). */
  lagGrowthMs: number;
  results: number;
  errors: number;
  sendLagP50Ms: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  cpu: StepCpu;
  /** The machine's 1-minute load average when the step began. */
  loadAverage: number;
  /** Why the step failed. */
  why?: string;
}

/** Median latency of the last quarter of results (by send time) minus the first quarter's. */
export function latencyGrowth(samples: readonly Sample[]): number {
  if (samples.length < GROWTH_MIN_RESULTS) return Number.NaN;
  const ordered = [...samples].sort((a, b) => a.sentAt - b.sentAt);
  const quarter = Math.floor(ordered.length / 4);
  const median = (part: readonly Sample[]) => summariseLatencies(part.map((s) => s.latencyMs)).p50;
  return median(ordered.slice(-quarter)) - median(ordered.slice(0, quarter));
}

/** Judges a step: errors, the load generator's schedule, latency, backlog. */
export function judge(
  model: string,
  result: StepResult,
  context: { cpu: StepCpu; loadAverage: number },
): SpeechStep {
  const summary = summariseLatencies(result.samples.map((s) => s.latencyMs));
  const p99Of = (final: boolean) =>
    summariseLatencies(result.samples.filter((s) => s.final === final).map((s) => s.latencyMs)).p99;
  const lagGrowthMs = latencyGrowth(result.samples);
  let why: string | undefined;
  if (result.errors > 0) why = `${result.errors} errors (${result.firstError})`;
  else if (summary.count === 0) why = 'no results';
  else if (result.sendLagP50Ms > SEND_LAG_LIMIT_MS)
    why = `the load generator fell behind (sends ${result.sendLagP50Ms.toFixed(1)} ms late in the median)`;
  else if (!(summary.p99 < P99_LIMIT_MS)) why = `p99 ${summary.p99.toFixed(1)} ms`;
  else if (lagGrowthMs > LAG_GROWTH_LIMIT_MS) why = `latency grew ${lagGrowthMs.toFixed(1)} ms over the step`;
  return {
    model,
    load: result.sessions,
    pass: why === undefined,
    p50Ms: summary.p50,
    p99Ms: summary.p99,
    maxMs: summary.max,
    finalP99Ms: p99Of(true),
    partialP99Ms: p99Of(false),
    lagGrowthMs,
    results: summary.count,
    errors: result.errors,
    sendLagP50Ms: result.sendLagP50Ms,
    sendLagP99Ms: result.sendLagP99Ms,
    sendLagMaxMs: result.sendLagMaxMs,
    cpu: context.cpu,
    loadAverage: context.loadAverage,
    ...(why ? { why } : {}),
  };
}

/** A step in one line, for the bench's progress log and `bench:speech-chart`. */
export function describeStep(step: SpeechStep): string {
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');
  const finals = Number.isFinite(step.finalP99Ms)
    ? ` (finals ${ms(step.finalP99Ms)}, partials ${ms(step.partialP99Ms)})`
    : '';
  const cpu = `server ${step.cpu.server.toFixed(2)} cores, others ${step.cpu.others.toFixed(2)}, load ${step.loadAverage.toFixed(1)}`;
  return (
    `${step.model} ×${step.load}: p50 ${ms(step.p50Ms)}, p99 ${ms(step.p99Ms)}${finals}, ` +
    `growth ${ms(step.lagGrowthMs)}, ${step.results} results, sends late ${ms(step.sendLagP50Ms)}/${ms(step.sendLagP99Ms)} (p50/p99), ${cpu} → ` +
    (step.pass ? 'pass' : `fail: ${step.why}`)
  );
}
