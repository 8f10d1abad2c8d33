import { BlockBuffer } from '../audio/block-buffer.js';
import type { Decoder, Segment } from './pocketsphinx.js';

/** A recognised word and its time span, in seconds from the start of the stream. */
export interface Word {
  word: string;
  start: number;
  end: number;
}

/** A partial (still changing) or final transcript of one utterance. */
export interface Transcript {
  text: string;
  isFinal: boolean;
  /** 0 for the stream's first reported utterance, then 1, 2, … (partials carry their utterance's). */
  utterance: number;
  /** Seconds from the start of the stream. */
  start: number;
  end: number;
  words: Word[];
}

/** How a recogniser cuts audio and finds utterances. */
export interface RecognizerOptions {
  /**
   * Samples per decoder call. 2048 is what `pocketsphinx_continuous -infile` reads per call;
   * with it the recogniser's utterances and words are the CLI's, whatever the client's frames.
   */
  blockSamples: number;
  /** pocketsphinx's `-frate` (frames per second, 100 unless configured otherwise). */
  frameRate: number;
  /** Whether to report partial transcripts. */
  partials: boolean;
  /**
   * `decoder`: pocketsphinx's own voice-activity detector ends utterances, exactly as
   * `pocketsphinx_continuous` does. `external`: the caller marks utterances with
   * `beginUtterance` / `endUtterance` (the VAD-gated pipeline).
   */
  endpointing: 'decoder' | 'external';
}

/**
 * One stream's speech recognition over one decoder. Audio of any framing goes in; partial
 * transcripts come out as they change and a final transcript when an utterance ends.
 * Calls must not overlap (each async generator is run to completion before the next call).
 */
export class Recognizer {
  private readonly blocks: BlockBuffer<Int16Array>;
  private inUtterance = false;
  private reported = 0;
  private lastPartial: Transcript | undefined;
  /** Seconds added to decoder frame times (external endpointing restarts the clock per utterance). */
  private origin = 0;

  constructor(
    private readonly decoder: Decoder,
    private readonly options: RecognizerOptions,
  ) {
    this.blocks = new BlockBuffer(options.blockSamples, (n) => new Int16Array(n));
  }

  /** Starts the stream (decoder endpointing: the decoder listens for the first utterance). */
  async start(): Promise<void> {
    await this.decoder.startStream();
    if (this.options.endpointing === 'decoder') await this.decoder.startUtterance();
  }

  /** External endpointing: an utterance begins at `seconds` from the start of the stream. */
  async beginUtterance(seconds: number): Promise<void> {
    if (this.inUtterance) throw new Error('an utterance is already open');
    await this.decoder.startStream(); // frames count from 0 again: times are origin + frame / rate
    await this.decoder.startUtterance();
    this.origin = seconds;
    this.inUtterance = true;
  }

  /** Decodes more audio; yields the transcripts it produces. */
  async *write(pcm: Int16Array): AsyncGenerator<Transcript> {
    for (const block of this.blocks.push(pcm)) yield* this.decode(block);
  }

  /** External endpointing: decodes what is buffered and closes the utterance (its final transcript). */
  async *endUtterance(): AsyncGenerator<Transcript> {
    const rest = this.blocks.drain();
    if (rest.length > 0) yield* this.decode(rest);
    if (this.inUtterance) yield* this.close();
  }

  /** The end of the stream: decodes what is buffered and finalises the open utterance. */
  async *end(): AsyncGenerator<Transcript> {
    yield* this.endUtterance();
  }

  private async *decode(block: Int16Array): AsyncGenerator<Transcript> {
    await this.decoder.process(block);
    if (this.options.endpointing === 'decoder') {
      // pocketsphinx_continuous's loop: speech opens an utterance, silence after speech closes it.
      const speech = this.decoder.inSpeech();
      if (speech && !this.inUtterance) this.inUtterance = true;
      if (!speech && this.inUtterance) {
        yield* this.close();
        await this.decoder.startUtterance();
        return;
      }
    }
    if (this.inUtterance && this.options.partials) {
      const partial = await this.partial();
      if (partial) yield partial;
    }
  }

  private async partial(): Promise<Transcript | undefined> {
    const text = await this.decoder.hypothesis();
    if (!text || text === this.lastPartial?.text) return undefined;
    this.lastPartial = this.transcript(text, false, this.decoder.segments());
    return this.lastPartial;
  }

  /** Ends the decoder's utterance; reports it when it has words or partials were reported. */
  private async *close(): AsyncGenerator<Transcript> {
    this.inUtterance = false;
    await this.decoder.endUtterance();
    const text = await this.decoder.hypothesis();
    const partial = this.lastPartial;
    this.lastPartial = undefined;
    if (!text && !partial) return;
    const final = this.transcript(text, true, this.decoder.segments());
    if (final.words.length === 0 && partial) {
      final.start = partial.start;
      final.end = partial.end;
    }
    this.reported++;
    yield final;
  }

  private transcript(text: string, isFinal: boolean, segments: Segment[]): Transcript {
    const rate = this.options.frameRate;
    const time = (frame: number) => round(this.origin + frame / rate);
    const words = segments
      .filter((s) => !isFiller(s.word))
      .map((s) => ({
        word: s.word.replace(/\(\d+\)$/, ''),
        start: time(s.startFrame),
        end: time(s.endFrame + 1),
      }));
    // The utterance spans its words; without words, what the decoder heard (silence, noise).
    const first = words[0] ?? (segments[0] && { start: time(segments[0].startFrame) });
    const last = words.at(-1) ?? (segments.length > 0 && { end: time(segments.at(-1)!.endFrame + 1) });
    return {
      text,
      isFinal,
      utterance: this.reported,
      start: first ? first.start : this.origin,
      end: last ? last.end : this.origin,
      words,
    };
  }
}

/** `<s>`, `</s>`, `<sil>`, `[NOISE]`, `++BREATH++`: segments that are not words. */
function isFiller(word: string): boolean {
  return /^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(word);
}

/** Frame times are multiples of 10 ms: three decimals hold them exactly. */
function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
