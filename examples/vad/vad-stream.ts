import { BlockBuffer } from '../audio/block-buffer.js';
import { type DetectorOptions, type SpeechEvent, SpeechDetector } from './speech-detector.js';
import { initialState, type SileroHost, type SileroState, WINDOW } from './silero-host.js';

/** Windows per worker job: 32 windows are about a second of audio, 10 ms of CPU. */
const JOB_WINDOWS = 32;

/**
 * Voice-activity detection over one stream: audio of any framing in, speech start/end events
 * out. The stream's model state lives here (one object per stream), never in the model.
 */
export class VadStream {
  private readonly windows = new BlockBuffer<Float32Array>(WINDOW, (n) => new Float32Array(n));
  private readonly silero: SileroState = initialState();
  readonly detector: SpeechDetector;
  private received = 0;

  constructor(
    private readonly host: SileroHost,
    options: Omit<DetectorOptions, 'window'>,
  ) {
    this.detector = new SpeechDetector({ ...options, window: WINDOW });
  }

  /** Samples received so far. */
  get samples(): number {
    return this.received;
  }

  /** Classifies the whole windows that `samples` completes; returns the events they cause. */
  async write(samples: Float32Array): Promise<SpeechEvent[]> {
    this.received += samples.length;
    const blocks = this.windows.push(samples);
    if (blocks.length === 0) return [];
    const joined = new Float32Array(blocks.length * WINDOW);
    for (const [i, block] of blocks.entries()) joined.set(block, i * WINDOW);
    return this.classify(joined);
  }

  /** The end of the stream: the last partial window (zero-padded, as Silero does) and the open segment. */
  async end(): Promise<SpeechEvent[]> {
    const rest = this.windows.drain();
    const events: SpeechEvent[] = [];
    if (rest.length > 0) {
      const padded = new Float32Array(WINDOW);
      padded.set(rest);
      events.push(...(await this.classify(padded)));
    }
    events.push(...this.detector.finish(this.received));
    return events;
  }

  private async classify(windows: Float32Array): Promise<SpeechEvent[]> {
    const events: SpeechEvent[] = [];
    // At most a second per job, so that a long recording does not hold a worker from other streams
    // (slices, not views: posting a view to a worker would copy its whole buffer).
    for (let at = 0; at < windows.length; at += JOB_WINDOWS * WINDOW) {
      const probabilities = await this.host.run(windows.slice(at, at + JOB_WINDOWS * WINDOW), this.silero);
      for (const p of probabilities) events.push(...this.detector.step(p));
    }
    return events;
  }
}
