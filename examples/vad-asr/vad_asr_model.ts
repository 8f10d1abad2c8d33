import type { InferenceContext, InferenceRequest, InferenceResponse } from 'mlserver-ts';
import { MLModel } from 'mlserver-ts';
import { readRecordings } from '../audio/audio-input.js';
import { type AsrOptions, readAsrOptions } from '../asr/asr-options.js';
import { DecoderPool } from '../asr/decoder-pool.js';
import { Decoder, loadPocketSphinx } from '../asr/pocketsphinx.js';
import { Recognizer, type Transcript } from '../asr/recognizer.js';
import { type AudioChunk, audioChunks, replies } from '../asr/stream-replies.js';
import { SpeechGate } from './speech-gate.js';
import { transcriptResponse } from '../asr/transcript-response.js';
import { SileroHost, WINDOW } from '../vad/silero-host.js';
import { readVadOptions, type VadOptions } from '../vad/vad-options.js';
import { VadStream } from '../vad/vad-stream.js';

/**
 * Speech recognition gated by voice-activity detection: Silero VAD decides what is speech, and
 * only that audio reaches PocketSphinx. Each VAD speech segment is one utterance: it opens at
 * `speech_start` and its final transcript comes at `speech_end`. Responses are the ASR model's
 * (partial and final transcripts, same outputs).
 *
 * `parameters.extra.vad` takes the VAD model's options (default hangover 500 ms, so that short
 * pauses inside a sentence do not end the utterance) and `parameters.extra.asr` the ASR model's
 * (default decoder argument `-remove_silence no`: the VAD has already removed the silence).
 */
export class VadGatedAsr extends MLModel {
  private asr!: AsrOptions;
  private vad!: VadOptions;
  private host: SileroHost | undefined;
  private pool: DecoderPool<Decoder> | undefined;

  override async load(): Promise<void> {
    const extra = this.settings.parameters.extra;
    const asrExtra = record(extra.asr);
    this.asr = readAsrOptions({
      ...asrExtra,
      decoder_args: { '-remove_silence': 'no', ...record(asrExtra.decoder_args) },
    });
    this.vad = readVadOptions(record(extra.vad), { min_silence_ms: 500 });
    const file = this.uri;
    if (!file) throw new Error('parameters.uri must name the Silero VAD ONNX file');
    loadPocketSphinx();
    const args = this.asr.decoderArgs;
    this.pool = new DecoderPool(
      () => Decoder.create(args),
      { warm: this.asr.warmDecoders, maxSessions: this.asr.maxSessions },
      (err) => console.error(`model ${this.name}: ${(err as Error).message}`),
    );
    await this.pool.start();
    this.host = await SileroHost.start(file, this.vad.workers, this.vad.maxQueue);
  }

  override async unload(): Promise<void> {
    await this.host?.close();
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

  private async *transcribe(
    chunks: AsyncIterable<AudioChunk>,
    context: InferenceContext,
    partials: boolean,
  ): AsyncGenerator<Transcript[]> {
    const { pool, host } = this;
    if (!pool || !host) throw new Error(`model ${this.name} is not loaded`);
    const decoder = await pool.acquire(context.signal);
    try {
      const recognizer = new Recognizer(decoder, {
        blockSamples: this.asr.blockSamples,
        frameRate: this.asr.frameRate,
        partials: partials && this.asr.partials,
        endpointing: 'external',
      });
      await recognizer.start();
      const gate = new SpeechGate(new VadStream(host, this.vad.detector), recognizer, this.lookback());
      yield* replies(chunks, gate, context.signal);
    } finally {
      pool.release(decoder);
    }
  }

  /**
   * Samples to keep while silent. A start is confirmed once the speech has lasted `minSpeech`;
   * pauses shorter than the hangover (`minSilence`) do not reset it, and the start is padded:
   * it lies at most this far before the window that confirms it.
   */
  private lookback(): number {
    const { minSpeech, minSilence, pad } = this.vad.detector;
    return minSpeech + minSilence + pad + 2 * WINDOW;
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

async function* once<T>(value: T) {
  yield value;
}
