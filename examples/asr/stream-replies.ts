import type { InferenceRequest } from 'mlserver-ts';
import { readAudio, toInt16 } from '../audio/audio-input.js';
import type { Transcript } from './recognizer.js';

/** One request of a stream: its audio, and how its transcripts are answered. */
export interface AudioChunk {
  pcm: Int16Array;
  /**
   * A step of a Triton sequence (`parameters.sequence_id`): the server pairs each step with one
   * response, so every transcript the step's audio produces goes into that one response (maybe
   * none: an empty response).
   */
  step: boolean;
  /** The sequence's last step (`sequence_end`): its response also carries the end of the stream. */
  last: boolean;
}

/** Where a stream's audio goes: a recogniser, or the VAD gate in front of one. */
export interface TranscriptStream {
  write(pcm: Int16Array): AsyncGenerator<Transcript>;
  end(): AsyncGenerator<Transcript>;
}

/** The audio of each request of a stream (16 kHz mono: INT16, FP32 or BYTES WAV files). */
export async function* audioChunks(
  requests: AsyncIterable<InferenceRequest>,
  signal: AbortSignal,
): AsyncGenerator<AudioChunk> {
  for await (const request of requests) {
    if (signal.aborted) return;
    const parameters = request.parameters ?? {};
    const sequence = parameters.sequence_id;
    yield {
      pcm: toInt16(readAudio(request)),
      step: sequence !== undefined && sequence !== null && sequence !== 0 && sequence !== '',
      last: parameters.sequence_end === true,
    };
  }
}

/**
 * A stream's transcripts grouped into responses. In a plain stream (a WebSocket session, gRPC
 * `ModelStreamInfer`, SSE) each transcript is its own response, sent as soon as it exists, and
 * the end of the input ends the last utterance. In a Triton sequence each step is answered once,
 * with whatever its audio produced, and the step with `sequence_end` also ends the last utterance
 * (Triton's sequence batcher gives the model the same START/END flags).
 */
export async function* replies(
  chunks: AsyncIterable<AudioChunk>,
  stream: TranscriptStream,
  signal: AbortSignal,
): AsyncGenerator<Transcript[]> {
  for await (const chunk of chunks) {
    if (signal.aborted) return;
    if (!chunk.step) {
      for await (const transcript of stream.write(chunk.pcm)) yield [transcript];
      continue;
    }
    const reply = await collect(stream.write(chunk.pcm));
    if (chunk.last) reply.push(...(await collect(stream.end())));
    yield reply;
    if (chunk.last) return;
  }
  if (signal.aborted) return;
  for await (const transcript of stream.end()) yield [transcript];
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
