/** A change between silence and speech, at a sample index from the start of the stream. */
export interface SpeechEvent {
  type: 'speech_start' | 'speech_end';
  sample: number;
}

/** Thresholds and durations of the detector, in Silero's terms. */
export interface DetectorOptions {
  /** Samples per model window (512 at 16 kHz). */
  window: number;
  /** Speech starts when a window's probability reaches this (Silero: 0.5). */
  threshold: number;
  /** …and ends when probabilities stay below this (Silero: threshold − 0.15)… */
  negThreshold: number;
  /** …for at least this many samples (the hangover; Silero's min_silence_duration_ms). */
  minSilence: number;
  /** Speech shorter than this is ignored; the start is reported once speech has lasted this long. */
  minSpeech: number;
  /** Samples added before each start and after each end (Silero's speech_pad_ms). */
  pad: number;
}

/**
 * Silero's streaming `VADIterator` over a stream of window probabilities, plus the
 * `min_speech_duration_ms` of its `get_speech_timestamps` (a start is reported only once the
 * speech has lasted that long, with its time in the past). Pure: feed it one probability per
 * window, in order.
 */
export class SpeechDetector {
  private current = 0;
  private triggered = false;
  private confirmed = false;
  private rawStart = 0;
  private start = 0;
  private tempEnd = 0;

  constructor(private readonly o: DetectorOptions) {}

  /** Samples classified so far (a multiple of the window). */
  get processed(): number {
    return this.current;
  }

  /** Whether a reported speech segment is open (its end not reported yet). */
  get inSpeech(): boolean {
    return this.confirmed;
  }

  /**
   * Samples before this index are decided: inside a reported segment they are speech, and its
   * end, when it comes, will not be earlier. A consumer that gates audio may pass them on.
   */
  get settled(): number {
    if (!this.confirmed) return this.current;
    return this.tempEnd ? Math.min(this.current, this.tempEnd - this.o.window + this.o.pad) : this.current;
  }

  /** The next window's speech probability; returns the events it causes. */
  step(probability: number): SpeechEvent[] {
    const { window, threshold, negThreshold, minSilence, minSpeech, pad } = this.o;
    const events: SpeechEvent[] = [];
    this.current += window;
    if (probability >= threshold && this.tempEnd) this.tempEnd = 0;
    if (probability >= threshold && !this.triggered) {
      this.triggered = true;
      this.rawStart = this.current - window;
      this.start = Math.max(0, this.current - pad - window);
    }
    if (this.triggered && !this.confirmed && this.spoken(this.current) >= minSpeech) {
      this.confirmed = true;
      events.push({ type: 'speech_start', sample: this.start });
    }
    if (probability < negThreshold && this.triggered) {
      if (!this.tempEnd) this.tempEnd = this.current;
      if (this.current - this.tempEnd >= minSilence) {
        const end = Math.min(this.current, this.tempEnd + pad - window);
        if (this.confirmed) events.push({ type: 'speech_end', sample: end });
        this.reset();
      }
    }
    return events;
  }

  /** The end of the stream after `total` samples: closes an open segment. */
  finish(total: number): SpeechEvent[] {
    const events: SpeechEvent[] = [];
    if (this.triggered && !this.confirmed && this.spoken(total) >= this.o.minSpeech) {
      this.confirmed = true;
      events.push({ type: 'speech_start', sample: this.start });
    }
    if (this.confirmed) {
      const end = this.tempEnd ? Math.min(total, this.tempEnd + this.o.pad - this.o.window) : total;
      events.push({ type: 'speech_end', sample: end });
    }
    this.reset();
    return events;
  }

  /** Samples of speech in the open segment, up to `now` or to the silence that began since. */
  private spoken(now: number): number {
    return (this.tempEnd ? this.tempEnd - this.o.window : now) - this.rawStart;
  }

  private reset(): void {
    this.triggered = false;
    this.confirmed = false;
    this.tempEnd = 0;
  }
}
