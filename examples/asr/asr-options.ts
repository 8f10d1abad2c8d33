import { DEFAULT_DECODER_ARGS } from './pocketsphinx.js';

/** The ASR runtime's `parameters.extra`, checked and with defaults filled in. */
export interface AsrOptions {
  /** pocketsphinx arguments over Debian's en-us model (`-hmm`, `-lm`, `-dict`, `-remove_silence`, …). */
  decoderArgs: Record<string, string>;
  /** Samples per decoder call (2048: `pocketsphinx_continuous`'s, so results match its output). */
  blockSamples: number;
  /** Report partial transcripts while an utterance goes on. */
  partials: boolean;
  /** Fresh decoders kept ready (each about 90 MB; creating one costs about 0.3 s of CPU). */
  warmDecoders: number;
  /** Streams served at once; more are refused with 429 / RESOURCE_EXHAUSTED. */
  maxSessions: number;
  /** Decoder frames per second (`-frate`). */
  frameRate: number;
}

/** Reads `parameters.extra`; throws one message listing every problem (the model then fails to load). */
export function readAsrOptions(extra: Record<string, unknown>): AsrOptions {
  const problems: string[] = [];
  const int = (key: string, fallback: number, min: number): number => {
    const value = extra[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problems.push(`${key} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const args: Record<string, string> = { ...DEFAULT_DECODER_ARGS };
  const given = extra.decoder_args ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    problems.push('decoder_args must be an object of pocketsphinx arguments, e.g. {"-lm": "my.lm.bin"}');
  } else {
    for (const [name, value] of Object.entries(given)) {
      if (!name.startsWith('-') || typeof value !== 'string') {
        problems.push(`decoder_args: "${name}" must be a "-name": "string value" pair`);
      } else {
        args[name] = value;
      }
    }
  }
  if (args['-samprate'] !== undefined && Number(args['-samprate']) !== 16000) {
    problems.push('decoder_args -samprate: the runtime takes 16 kHz audio only');
  }
  const partials = extra.partials ?? true;
  if (typeof partials !== 'boolean') problems.push('partials must be true or false');
  const options: AsrOptions = {
    decoderArgs: args,
    blockSamples: int('block_samples', 2048, 160),
    partials: partials !== false,
    warmDecoders: int('warm_decoders', 1, 0),
    maxSessions: int('max_sessions', 16, 1),
    frameRate: Number(args['-frate'] ?? 100),
  };
  if (problems.length > 0) throw new Error(`invalid parameters.extra: ${problems.join('; ')}`);
  return options;
}
