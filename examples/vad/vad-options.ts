import type { DetectorOptions } from './speech-detector.js';

/** The VAD runtime's `parameters.extra`, checked, with defaults, in samples at 16 kHz. */
export interface VadOptions {
  detector: Omit<DetectorOptions, 'window'>;
  /** Worker threads running the model. */
  workers: number;
  /** Jobs that may wait for a worker; more are refused with 429 / RESOURCE_EXHAUSTED. */
  maxQueue: number;
}

/** Silero's defaults: those of `get_speech_timestamps` (its `VADIterator` has no minimum speech). */
export const SILERO_DEFAULTS = {
  threshold: 0.5,
  min_silence_ms: 100,
  min_speech_ms: 250,
  speech_pad_ms: 30,
} as const;

/**
 * Reads `parameters.extra` (`threshold`, `neg_threshold`, `min_silence_ms`, `min_speech_ms`,
 * `speech_pad_ms`, `workers`, `max_queue`) over `defaults`; throws one message listing every problem.
 */
export function readVadOptions(
  extra: Record<string, unknown>,
  defaults: Partial<Record<keyof typeof SILERO_DEFAULTS, number>> = {},
): VadOptions {
  const problems: string[] = [];
  const num = (key: string, fallback: number, min: number, max = Number.POSITIVE_INFINITY): number => {
    const value = extra[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      problems.push(`${key} must be a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const d = { ...SILERO_DEFAULTS, ...defaults };
  const threshold = num('threshold', d.threshold, 0, 1);
  const ms = (key: keyof typeof SILERO_DEFAULTS) => Math.round((num(key, d[key], 0, 60_000) * 16_000) / 1000);
  const options: VadOptions = {
    detector: {
      threshold,
      negThreshold: num('neg_threshold', Math.max(threshold - 0.15, 0.01), 0, threshold),
      minSilence: ms('min_silence_ms'),
      minSpeech: ms('min_speech_ms'),
      pad: ms('speech_pad_ms'),
    },
    workers: Math.floor(num('workers', 1, 1, 64)),
    maxQueue: Math.floor(num('max_queue', 1024, 1)),
  };
  if (problems.length > 0) throw new Error(`invalid parameters.extra: ${problems.join('; ')}`);
  return options;
}
