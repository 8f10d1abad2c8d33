/**
 * What each session of the real-time capacity scenario streams to each speech model, and what
 * it must get back.
 */
import type { MLModelClass } from 'mlserver-ts';
import type { SessionScript } from './load/speech-sessions.js';
import { loadRuntime, referenceRun } from './load/speech-reference.js';
import { corpusSlice, type SpeechModel, speechCorpus } from './speech-server.js';

/** Each session starts at one of this many points of the looped corpus, so speech does not start everywhere at once. */
const ROTATIONS = 4;

/** One model's real-time workload. */
export interface Workload {
  id: string;
  model: SpeechModel;
  label: string;
  /** Samples per binary frame (the model's window or the client's frame). */
  frameSamples: number;
  /** The frame as the model's `session.binary_input` takes it. */
  encode(pcm: Int16Array): Buffer;
  /** The runtime, for the reference run; undefined: a stepwise model (one response per frame). */
  runtime?(): Promise<MLModelClass>;
  /** The most sessions the search tries. */
  maxSessions: number;
}

const s16 = (pcm: Int16Array) => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
const fp32 = (pcm: Int16Array) => {
  const floats = Float32Array.from(pcm, (s) => s / 32768);
  return Buffer.from(floats.buffer);
};
/** The most VAD-gated ASR sessions the search tries (each holds a 90 MB recogniser). */
export const ASR_MAX_SESSIONS = 64;

const vadGatedAsr = async () => (await import('../examples/vad-asr/vad_asr_model.js')).VadGatedAsr;

/** The workloads, in the order a run measures them. */
export const WORKLOADS: readonly Workload[] = [
  {
    id: 'speech-rt-silero-vad',
    model: 'silero-vad',
    label: 'real-time sessions: silero-vad (WS, 32 ms FP32 windows, state held by the server)',
    frameSamples: 512,
    encode: fp32,
    maxSessions: 2048,
  },
  {
    id: 'speech-rt-vad',
    model: 'vad',
    label: 'real-time sessions: vad runtime (WS, 32 ms S16LE windows, speech events)',
    frameSamples: 512,
    encode: s16,
    runtime: async () => (await import('../examples/vad/vad_model.js')).SileroVad,
    maxSessions: 2048,
  },
  {
    id: 'speech-rt-vad-asr',
    model: 'vad-asr',
    label: 'real-time sessions: vad-asr as shipped (WS, 60 ms S16LE frames, partial + final transcripts)',
    frameSamples: 960,
    encode: s16,
    runtime: vadGatedAsr,
    maxSessions: ASR_MAX_SESSIONS,
  },
  {
    id: 'speech-rt-vad-asr-fast',
    model: 'vad-asr-fast',
    label: 'real-time sessions: vad-asr, finals without the second pass (-fwdflat no -bestpath no)',
    frameSamples: 960,
    encode: s16,
    runtime: vadGatedAsr,
    maxSessions: ASR_MAX_SESSIONS,
  },
];

/**
 * Each rotation's frames (`seconds` of the looped corpus from its own starting point), and what
 * the model answers to them, computed by the same runtime class with the same settings in this
 * process.
 */
export async function sessionScripts(
  workload: Workload,
  folder: string,
  seconds: number,
): Promise<SessionScript[]> {
  const samples = Math.round((seconds * 16000) / workload.frameSamples) * workload.frameSamples;
  const corpus = speechCorpus();
  const model = workload.runtime ? await loadRuntime(folder, await workload.runtime()) : undefined;
  try {
    const out: SessionScript[] = [];
    for (let r = 0; r < ROTATIONS; r++) {
      const pcm = corpusSlice(corpus, Math.floor((r * corpus.length) / ROTATIONS), samples);
      const frames: Int16Array[] = [];
      for (let at = 0; at < pcm.length; at += workload.frameSamples)
        frames.push(pcm.subarray(at, at + workload.frameSamples));
      out.push({
        frames: frames.map((f) => workload.encode(f)),
        reference: model ? await referenceRun(model, frames) : undefined,
      });
    }
    return out;
  } finally {
    await model?.unload();
  }
}
