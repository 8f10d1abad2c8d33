import {
  FrameCutter,
  floatToInt16,
  parsePcmWav,
  peaks,
  Resampler,
  segmentsOf,
  transcriptsOf,
} from '../../examples/speech-page/audio.js';
import { wavBytes } from './speech-helpers.js';

// The speech page's pure helpers (plain browser JavaScript), in Node.

describe('the speech page audio helpers', () => {
  test('a 16 kHz mono PCM WAV is read sample for sample; other files are left to the browser', () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const wav = wavBytes(pcm);
    const buffer = wav.buffer.slice(wav.byteOffset, wav.byteOffset + wav.byteLength) as ArrayBuffer;
    expect(Array.from(parsePcmWav(buffer)!)).toEqual(Array.from(pcm));
    const at8k = Buffer.from(wav);
    at8k.writeUInt32LE(8000, 24);
    expect(
      parsePcmWav(at8k.buffer.slice(at8k.byteOffset, at8k.byteOffset + at8k.byteLength)),
    ).toBeUndefined();
    expect(parsePcmWav(new TextEncoder().encode('not a wav file at all').buffer)).toBeUndefined();
  });

  test('floats become 16-bit samples, clipped', () => {
    expect(Array.from(floatToInt16(Float32Array.from([0, 0.25, -0.25, 1, -1, 2, -2])))).toEqual([
      0, 8192, -8192, 32767, -32767, 32767, -32767,
    ]);
  });

  test('the resampler keeps a 48 kHz tone a tone at 16 kHz, whatever the block sizes', () => {
    const tone = Float32Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48000));
    const whole = new Resampler(48000, 16000).push(tone);
    const resampler = new Resampler(48000, 16000);
    const pieces: number[] = [];
    for (let at = 0; at < tone.length; at += 128) pieces.push(...resampler.push(tone.subarray(at, at + 128)));
    expect(whole.length).toBe(1600);
    expect(pieces.length).toBe(1600);
    for (const [i, x] of pieces.entries()) expect(x).toBeCloseTo(whole[i]!, 6);
    for (const [i, x] of whole.entries()) expect(x).toBeCloseTo(Math.sin((2 * Math.PI * 440 * i) / 16000), 2);
    expect(new Resampler(16000, 16000).push(tone)).toBe(tone);
  });

  test('frames of 960 samples from blocks of any size; the rest on flush', () => {
    const cutter = new FrameCutter(960);
    const samples = Int16Array.from({ length: 2500 }, (_, i) => i % 1000);
    const frames = [...cutter.push(samples.subarray(0, 700)), ...cutter.push(samples.subarray(700))];
    expect(frames.map((f) => f.length)).toEqual([960, 960]);
    expect(Array.from(frames[1]!.subarray(0, 3))).toEqual([960, 961, 962]);
    expect(cutter.flush()!.length).toBe(580);
    expect(cutter.flush()).toBeUndefined();
  });

  test("transcripts and speech segments from the models' responses", () => {
    const response = {
      outputs: [
        { name: 'text', data: ['go forward'] },
        { name: 'is_final', data: [false] },
        { name: 'utterance', data: [0] },
        { name: 'start', data: [0.4] },
        { name: 'end', data: [1.1] },
      ],
    };
    expect(transcriptsOf(response)).toEqual([
      { text: 'go forward', isFinal: false, utterance: 0, start: 0.4, end: 1.1 },
    ]);
    const events = [
      { event: 'speech_start', time: 0.2 },
      { event: 'speech_end', time: 1.5 },
      { event: 'speech_start', time: 2 },
    ];
    expect(segmentsOf(events)).toEqual([
      { start: 0.2, end: 1.5 },
      { start: 2, end: undefined },
    ]);
    expect(peaks(Int16Array.from([0, 16384, -16384, 0]), 2)).toEqual([
      [0, 0.5],
      [-0.5, 0],
    ]);
  });
});
