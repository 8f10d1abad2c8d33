// @ts-check
/**
 * The speech page's pure helpers (no DOM, no network): reading WAV files, converting and
 * resampling samples, cutting frames, reading the models' responses. Tested in Node by
 * test/speech/speech-page-audio.test.ts.
 */

/** The rate the speech models take. */
export const SAMPLE_RATE = 16000;

/** 60 ms of audio at 16 kHz: the frame the page sends. */
export const FRAME_SAMPLES = 960;

/**
 * The samples of a 16 kHz mono 16-bit PCM WAV file, exactly as stored; undefined for any other
 * file (the page lets the browser decode and resample those).
 * @param {ArrayBuffer} buffer
 * @returns {Int16Array | undefined}
 */
export function parsePcmWav(buffer) {
  const view = new DataView(buffer);
  const tag = (/** @type {number} */ at) =>
    String.fromCharCode(
      view.getUint8(at),
      view.getUint8(at + 1),
      view.getUint8(at + 2),
      view.getUint8(at + 3),
    );
  if (buffer.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  let format;
  for (let offset = 12; offset + 8 <= buffer.byteLength; ) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16) {
      format = {
        code: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (format === undefined) return undefined;
      if (format.code !== 1 || format.channels !== 1 || format.bits !== 16) return undefined;
      if (format.rate !== SAMPLE_RATE) return undefined;
      const end = Math.min(body + size, buffer.byteLength);
      return new Int16Array(buffer.slice(body, body + ((end - body) & ~1)));
    }
    offset = body + size + (size & 1);
  }
  return undefined;
}

/**
 * Float samples in [-1, 1] as 16-bit integers (scaled by 32767, clipped).
 * @param {Float32Array} samples
 * @returns {Int16Array}
 */
export function floatToInt16(samples) {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i] ?? 0;
    out[i] = x >= 1 ? 32767 : x <= -1 ? -32767 : Math.round(x * 32767);
  }
  return out;
}

/**
 * A streaming linear-interpolation resampler (for a microphone whose context runs at 44.1 or
 * 48 kHz when the browser will not open one at 16 kHz). Keeps the last input sample between
 * calls, so consecutive blocks join without a click.
 */
export class Resampler {
  /**
   * @param {number} fromRate
   * @param {number} toRate
   */
  constructor(fromRate, toRate) {
    this.step = fromRate / toRate;
    /** Position of the next output sample, in input samples from the start of `previous`. */
    this.position = 0;
    this.previous = 0;
  }

  /**
   * @param {Float32Array} input
   * @returns {Float32Array}
   */
  push(input) {
    if (this.step === 1) return input;
    const out = [];
    // Index -1 is the previous block's last sample; 0…n-1 this block's.
    let position = this.position;
    while (position <= input.length - 1) {
      const i = Math.floor(position);
      const frac = position - i;
      const a = i < 0 ? this.previous : (input[i] ?? 0);
      const b = input[i + 1] ?? a;
      out.push(a + (b - a) * frac);
      position += this.step;
    }
    this.position = position - input.length;
    this.previous = input[input.length - 1] ?? this.previous;
    return Float32Array.from(out);
  }
}

/** Collects samples of any block size and hands out frames of a fixed size. */
export class FrameCutter {
  /** @param {number} size */
  constructor(size) {
    this.size = size;
    this.pending = new Int16Array(size);
    this.filled = 0;
  }

  /**
   * @param {Int16Array} samples
   * @returns {Int16Array[]} the frames completed
   */
  push(samples) {
    const frames = [];
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(this.size - this.filled, samples.length - at);
      this.pending.set(samples.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.size) {
        frames.push(this.pending);
        this.pending = new Int16Array(this.size);
        this.filled = 0;
      }
    }
    return frames;
  }

  /** @returns {Int16Array | undefined} what is left, as a shorter last frame */
  flush() {
    if (this.filled === 0) return undefined;
    const rest = this.pending.slice(0, this.filled);
    this.filled = 0;
    return rest;
  }
}

/**
 * @typedef {{ name: string, data: unknown[] }} Output
 * @typedef {{ outputs?: Output[], error?: string }} ServerMessage
 * @typedef {{ text: string, isFinal: boolean, utterance: number, start: number, end: number }} Transcript
 * @typedef {{ event: string, time: number }} SpeechEvent
 */

/**
 * @param {ServerMessage} message
 * @param {string} name
 * @returns {unknown[]}
 */
function output(message, name) {
  return message.outputs?.find((o) => o.name === name)?.data ?? [];
}

/**
 * The transcripts of a recogniser's response (`text`, `is_final`, `utterance`, `start`, `end`).
 * @param {ServerMessage} message
 * @returns {Transcript[]}
 */
export function transcriptsOf(message) {
  const isFinal = output(message, 'is_final');
  const utterance = output(message, 'utterance');
  const start = output(message, 'start');
  const end = output(message, 'end');
  return output(message, 'text').map((text, i) => ({
    text: String(text),
    isFinal: isFinal[i] === true,
    utterance: Number(utterance[i] ?? 0),
    start: Number(start[i] ?? 0),
    end: Number(end[i] ?? 0),
  }));
}

/**
 * The events of a `vad` response (`event`: speech_start / speech_end, `time` in seconds).
 * @param {ServerMessage} message
 * @returns {SpeechEvent[]}
 */
export function eventsOf(message) {
  const time = output(message, 'time');
  return output(message, 'event').map((event, i) => ({ event: String(event), time: Number(time[i] ?? 0) }));
}

/**
 * Speech segments from `vad` events: each `speech_start` opens one, the next `speech_end` closes it.
 * @param {SpeechEvent[]} events
 * @returns {{ start: number, end: number | undefined }[]}
 */
export function segmentsOf(events) {
  /** @type {{ start: number, end: number | undefined }[]} */
  const segments = [];
  for (const { event, time } of events) {
    if (event === 'speech_start') segments.push({ start: time, end: undefined });
    else if (event === 'speech_end') {
      const open = segments.at(-1);
      if (open && open.end === undefined) open.end = time;
    }
  }
  return segments;
}

/**
 * The lowest and highest sample of each of `columns` equal slices of `samples`, in [-1, 1]: a
 * waveform's outline.
 * @param {Int16Array} samples
 * @param {number} columns
 * @param {number} [length] samples the full width stands for (default: all of them)
 * @returns {[number, number][]}
 */
export function peaks(samples, columns, length = samples.length) {
  /** @type {[number, number][]} */
  const out = [];
  const per = Math.max(1, length / columns);
  for (let c = 0; c < columns; c++) {
    const from = Math.floor(c * per);
    const to = Math.min(samples.length, Math.floor((c + 1) * per));
    if (from >= to) break;
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to; i++) {
      const x = samples[i] ?? 0;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    out.push([lo / 32768, hi / 32768]);
  }
  return out;
}
