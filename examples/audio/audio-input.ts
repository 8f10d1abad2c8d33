import { type InferenceRequest, InvalidInputError, type RequestInput, TensorCodec } from 'mlserver-ts';
import { parseWav } from './wav.js';

/** The one sample rate the speech examples take. */
export const SAMPLE_RATE = 16_000;

/** Samples as the client sent them: 16-bit integers or floats in [-1, 1]. */
export type Samples = Int16Array | Float32Array;

/**
 * The audio of a request: the input named `name` (or the request's only input), as
 *
 * - `INT16` [-1]: 16 kHz mono PCM (S16LE on binary wires);
 * - `FP32` [-1]: 16 kHz mono samples in [-1, 1];
 * - `BYTES` [n]: WAV files (16 kHz, mono, 16-bit PCM or 32-bit float), each element the whole
 *   file's bytes (gRPC `bytes_contents`, REST binary extension) or its base64 text (REST JSON);
 *   several files are joined, one after the other (see `readRecordings` for a batch).
 *
 * Every problem is an `InvalidInputError` (400 / INVALID_ARGUMENT) saying what to send.
 */
export function readAudio(request: InferenceRequest, name = 'audio'): Samples {
  const input = findInput(request, name);
  switch (input.datatype) {
    case 'INT16':
      return TensorCodec.decodeInput(input) as Int16Array;
    case 'FP32':
      return TensorCodec.decodeInput(input) as Float32Array;
    case 'BYTES':
      return concat(input.data as ArrayLike<unknown> as ArrayLike<string | Uint8Array>, name);
    default:
      throw new InvalidInputError(
        `input '${input.name}' is ${input.datatype}; send 16 kHz mono audio as INT16 PCM, FP32 in [-1, 1] or BYTES (WAV files)`,
      );
  }
}

/**
 * The recordings of a whole-file request (`predict`): a `BYTES` input of n WAV files is a batch
 * of n recordings (the first dimension is the batch, as in Triton), transcribed one by one;
 * `INT16` and `FP32` samples are one recording.
 */
export function readRecordings(request: InferenceRequest, name = 'audio'): Int16Array[] {
  const input = findInput(request, name);
  if (input.datatype !== 'BYTES') return [toInt16(readAudio(request, name))];
  const elements = input.data as ArrayLike<unknown> as ArrayLike<string | Uint8Array>;
  return Array.from(elements, (element, index) => toInt16(wavSamples(element, name, index)));
}

function findInput(request: InferenceRequest, name: string): RequestInput {
  const named = request.inputs.find((input) => input.name === name);
  if (named) return named;
  if (request.inputs.length === 1) return request.inputs[0]!;
  throw new InvalidInputError(
    `expected one input '${name}' (16 kHz mono audio); got ${request.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}`,
  );
}

function concat(elements: ArrayLike<string | Uint8Array>, name: string): Samples {
  const parts = Array.from(elements, (element, index) => toInt16(wavSamples(element, name, index)));
  if (parts.length === 1) return parts[0]!;
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One element of a BYTES input: a 16 kHz WAV file's bytes, or their base64 text (REST JSON). */
function wavSamples(element: string | Uint8Array, name: string, index: number): Samples {
  const bytes = typeof element === 'string' ? Buffer.from(element, 'base64') : element;
  try {
    const wav = parseWav(bytes);
    if (wav.sampleRate !== SAMPLE_RATE) {
      throw new Error(
        `it is sampled at ${wav.sampleRate} Hz; resample to ${SAMPLE_RATE} Hz (sox in.wav -r 16000 out.wav)`,
      );
    }
    return wav.samples;
  } catch (err) {
    throw new InvalidInputError(`input '${name}' element ${index}: ${(err as Error).message}`);
  }
}

/** 16-bit samples; floats are scaled by 32767 and clipped to [-1, 1] (NaN becomes 0). */
export function toInt16(samples: Samples): Int16Array {
  if (samples instanceof Int16Array) return samples;
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    out[i] = x >= 1 ? 32767 : x <= -1 ? -32767 : Number.isNaN(x) ? 0 : Math.round(x * 32767);
  }
  return out;
}

/** Float samples in [-1, 1]; 16-bit samples are divided by 32768. */
export function toFloat32(samples: Samples): Float32Array {
  if (samples instanceof Float32Array) return samples;
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}
