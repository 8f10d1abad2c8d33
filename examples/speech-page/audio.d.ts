// The types of audio.js, for page.js and the tests (kept in step with its JSDoc by hand; `tsc -p
// examples/speech-page` checks audio.js against its JSDoc and page.js against this file).

/** The rate the speech models take. */
export declare const SAMPLE_RATE: number;
/** 60 ms of audio at 16 kHz: the frame the page sends. */
export declare const FRAME_SAMPLES: number;

export interface Output {
  name: string;
  data: unknown[];
}
export interface ServerMessage {
  outputs?: Output[];
  error?: string;
}
export interface Transcript {
  text: string;
  isFinal: boolean;
  utterance: number;
  start: number;
  end: number;
}
export interface SpeechEvent {
  event: string;
  time: number;
}

/** The samples of a 16 kHz mono 16-bit PCM WAV file as stored; undefined for any other file. */
export declare function parsePcmWav(buffer: ArrayBuffer): Int16Array | undefined;
/** Float samples in [-1, 1] as 16-bit integers (scaled by 32767, clipped). */
export declare function floatToInt16(samples: Float32Array): Int16Array;
/** A streaming linear-interpolation resampler. */
export declare class Resampler {
  constructor(fromRate: number, toRate: number);
  push(input: Float32Array): Float32Array;
}
/** Collects samples of any block size and hands out frames of a fixed size. */
export declare class FrameCutter {
  constructor(size: number);
  push(samples: Int16Array): Int16Array[];
  flush(): Int16Array | undefined;
}
/** The transcripts of a recogniser's response. */
export declare function transcriptsOf(message: ServerMessage): Transcript[];
/** The events of a `vad` response. */
export declare function eventsOf(message: ServerMessage): SpeechEvent[];
/** Speech segments from `vad` events. */
export declare function segmentsOf(events: SpeechEvent[]): { start: number; end: number | undefined }[];
/** The lowest and highest sample of each of `columns` slices of `samples`, in [-1, 1]. */
export declare function peaks(samples: Int16Array, columns: number, length?: number): [number, number][];
