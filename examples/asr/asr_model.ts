import type { InferenceContext, InferenceRequest, InferenceResponse } from 'mlserver-ts';
import { MLModel } from 'mlserver-ts';
import { readRecordings } from '../audio/audio-input.js';
import { type AsrOptions, readAsrOptions } from './asr-options.js';
import { DecoderPool } from './decoder-pool.js';
import { Decoder, loadPocketSphinx } from './pocketsphinx.js';
import { Recognizer, type Transcript } from './recognizer.js';
import { type AudioChunk, audioChunks, replies } from './stream-replies.js';
import { transcriptResponse } from './transcript-response.js';

/**
 * Streaming English speech recognition with CMU PocketSphinx (Debian's `libpocketsphinx3` and
 * `pocketsphinx-en-us`), through koffi.
 *
 * - `predictStream`: requests carrying 16 kHz mono audio (`audio`: INT16 PCM, FP32 in [-1, 1],
 *   or BYTES WAV files) in, transcripts out: a partial one whenever the hypothesis changes, a
 *   final one when pocketsphinx's voice-activity detector hears the utterance end, and the last
 *   one when the request stream ends.
 * - `predict`: one request holding a whole recording (or a batch of WAV files: BYTES [n]);
 *   returns every final transcript, with the batch element each belongs to (`item`).
 * - A Triton sequence (requests with `parameters.sequence_id`) is answered once per step.
 *
 * Each stream has its own decoder; decoding runs on the libuv thread pool.
 */
export class PocketSphinxAsr extends MLModel {
  private options!: AsrOptions;
  private pool: DecoderPool<Decoder> | undefined;

  override async load(): Promise<void> {
    this.options = readAsrOptions(this.settings.parameters.extra);
    loadPocketSphinx();
    const args = this.options.decoderArgs;
    this.pool = new DecoderPool(
      () => Decoder.create(args),
      { warm: this.options.warmDecoders, maxSessions: this.options.maxSessions },
      (err) => console.error(`model ${this.name}: ${(err as Error).message}`),
    );
    await this.pool.start();
  }

  override async unload(): Promise<void> {
    await this.pool?.close();
  }

  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    for await (const reply of this.transcribe(audioChunks(requests, context.signal), context, true)) {
      yield transcriptResponse(this.name, reply);
    }
  }

  override async predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    const finals: Transcript[] = [];
    const items: number[] = [];
    for (const [item, pcm] of readRecordings(request).entries()) {
      const chunks = once({ pcm, step: false, last: false });
      for await (const reply of this.transcribe(chunks, context, false)) {
        finals.push(...reply);
        items.push(...reply.map(() => item));
      }
    }
    return transcriptResponse(this.name, finals, items);
  }

  /** Runs one stream of audio through a fresh decoder; frees it however the stream ends. */
  private async *transcribe(
    chunks: AsyncIterable<AudioChunk>,
    context: InferenceContext,
    partials: boolean,
  ): AsyncGenerator<Transcript[]> {
    const pool = this.pool;
    if (!pool) throw new Error(`model ${this.name} is not loaded`);
    const decoder = await pool.acquire(context.signal);
    try {
      const recognizer = new Recognizer(decoder, {
        blockSamples: this.options.blockSamples,
        frameRate: this.options.frameRate,
        partials: partials && this.options.partials,
        endpointing: 'decoder',
      });
      await recognizer.start();
      yield* replies(chunks, recognizer, context.signal);
    } finally {
      pool.release(decoder);
    }
  }
}

async function* once<T>(value: T) {
  yield value;
}
