import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseWav } from '../audio/wav.js';

/** The one rate the speech models take. */
export const SAMPLE_RATE = 16_000;

/**
 * The 16-bit samples of a 16 kHz mono WAV file (16-bit PCM; 32-bit float is converted) or of a
 * headerless `.raw` S16LE file (pocketsphinx's test recordings). Anything else is an error that
 * says how to convert it.
 */
export async function readPcm(file: string): Promise<Int16Array> {
  const bytes = new Uint8Array(await readFile(file));
  if (!file.toLowerCase().endsWith('.wav')) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  }
  const wav = parseWav(bytes);
  if (wav.sampleRate !== SAMPLE_RATE) {
    throw new Error(`${file} is sampled at ${wav.sampleRate} Hz: sox ${file} -r 16000 -c 1 -b 16 out.wav`);
  }
  if (wav.samples instanceof Int16Array) return wav.samples;
  return Int16Array.from(wav.samples, (x) => Math.max(-32767, Math.min(32767, Math.round(x * 32767))));
}

/** The WAV files of a folder, sorted by name (the Jasper client's manifest, simplified). */
export async function wavFiles(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((name) => name.toLowerCase().endsWith('.wav')).sort();
  if (names.length === 0) throw new Error(`${folder} holds no .wav file`);
  return names.map((name) => path.join(folder, name));
}

/** `pcm` as the raw little-endian bytes a binary frame carries. */
export function pcmBytes(pcm: Int16Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** `pcm` cut into frames of `samples` samples (the last one may be shorter). */
export function frames(pcm: Int16Array, samples: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let at = 0; at < pcm.length; at += samples) out.push(pcm.subarray(at, at + samples));
  return out;
}
