import type { InferenceContext, InferenceRequest, InferenceResponse } from 'mlserver-ts';
import { MLModel } from 'mlserver-ts';
import { readAudio, toInt16 } from '../audio/audio-input.js';
import { type AsrOptions, readAsrOptions } from './asr-options.js';
import { DecoderPool } from './decoder-pool.js';
import { Decoder, loadPocketSphinx } from './pocketsphinx.js';
import { Recognizer, type Transcript } from './recognizer.js';
import { transcriptResponse } from './transcript-response.js';

/**
 * Streaming English speech recognition with CMU PocketSphinx (Debian's `libpocketsphinx3` and
 * `pocketsphinx-en-us`), through koffi.
 *
 * - `predictStream`: requests carrying 16 kHz mono audio (`audio`: INT16 PCM, FP32 in [-1, 1],
 *   or BYTES WAV files) in, transcripts out: a partial one whenever the hypothesis changes, a
 *   final one when pocketsphinx's voice-activity detector hears the utterance end, and the last
 *   one when the request stream ends.
 * - `predict`: one request holding a whole recording; returns every final transcript.
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
    for await (const transcript of this.transcribe(audioOf(requests, context.signal), context, true)) {
      yield transcriptResponse(this.name, [transcript]);
    }
  }

  override async predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    const finals: Transcript[] = [];
    const audio = toInt16(readAudio(request));
    for await (const transcript of this.transcribe(once(audio), context, false)) finals.push(transcript);
    return transcriptResponse(this.name, finals);
  }

  /** Runs one stream of audio through a fresh decoder; frees it however the stream ends. */
  private async *transcribe(
    audio: AsyncIterable<Int16Array>,
    context: InferenceContext,
    partials: boolean,
  ): AsyncGenerator<Transcript> {
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
      for await (const pcm of audio) {
        if (context.signal.aborted) return;
        yield* recognizer.write(pcm);
      }
      if (context.signal.aborted) return;
      yield* recognizer.end();
    } finally {
      pool.release(decoder);
    }
  }
}

async function* audioOf(requests: AsyncIterable<InferenceRequest>, signal: AbortSignal) {
  for await (const request of requests) {
    if (signal.aborted) return;
    yield toInt16(readAudio(request));
  }
}

async function* once<T>(value: T) {
  yield value;
}
