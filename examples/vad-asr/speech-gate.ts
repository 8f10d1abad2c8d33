import type { Recognizer, Transcript } from '../asr/recognizer.js';
import { SAMPLE_RATE, toFloat32 } from '../audio/audio-input.js';
import { AudioHistory } from '../audio/audio-history.js';
import type { SpeechEvent } from '../vad/speech-detector.js';
import type { VadStream } from '../vad/vad-stream.js';

/** Passes the audio of VAD speech segments, and only that, to a recogniser; one utterance per segment. */
export class SpeechGate {
  private readonly history = new AudioHistory();
  /** Next sample index to pass to the recogniser while a segment is open. */
  private fed = -1;

  constructor(
    private readonly vad: VadStream,
    private readonly recognizer: Recognizer,
    private readonly lookback: number,
  ) {}

  /** Takes more audio; yields the transcripts of the speech in it. */
  async *write(pcm: Int16Array): AsyncGenerator<Transcript> {
    this.history.append(pcm);
    yield* this.apply(await this.vad.write(toFloat32(pcm)));
  }

  /** The end of the stream: closes an open segment with its final transcript. */
  async *end(): AsyncGenerator<Transcript> {
    yield* this.apply(await this.vad.end());
  }

  private async *apply(events: SpeechEvent[]): AsyncGenerator<Transcript> {
    for (const event of events) {
      if (event.type === 'speech_start') {
        await this.recognizer.beginUtterance(event.sample / SAMPLE_RATE);
        this.fed = event.sample;
      } else {
        yield* this.feed(event.sample);
        this.fed = -1;
        yield* this.recognizer.endUtterance();
      }
    }
    const detector = this.vad.detector;
    if (this.fed >= 0) {
      // Inside a segment: pass on what the VAD has settled as speech (its end cannot come earlier).
      yield* this.feed(detector.settled);
      this.history.trimBefore(this.fed);
    } else {
      this.history.trimBefore(detector.processed - this.lookback);
    }
  }

  private async *feed(until: number): AsyncGenerator<Transcript> {
    if (until <= this.fed) return;
    const audio = this.history.slice(this.fed, until);
    this.fed = until;
    yield* this.recognizer.write(audio);
  }
}
