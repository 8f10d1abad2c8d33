import { readAsrOptions } from '../../examples/asr/asr-options.js';
import { AudioHistory } from '../../examples/audio/audio-history.js';
import { readAudio, toFloat32, toInt16 } from '../../examples/audio/audio-input.js';
import { BlockBuffer } from '../../examples/audio/block-buffer.js';
import { parseWav } from '../../examples/audio/wav.js';
import { SpeechDetector } from '../../examples/vad/speech-detector.js';
import { readVadOptions } from '../../examples/vad/vad-options.js';
import { InvalidInputError } from '../../server/errors.js';
import { wavBytes } from './speech-helpers.js';

describe('BlockBuffer', () => {
  test('re-cuts pieces of any size into fixed blocks and keeps the rest for later', () => {
    const buffer = new BlockBuffer<Int16Array>(4, (n) => new Int16Array(n));
    expect(buffer.push(Int16Array.of(1, 2, 3))).toEqual([]);
    const blocks = buffer.push(Int16Array.of(4, 5, 6, 7, 8, 9, 10));
    expect(blocks).toEqual([Int16Array.of(1, 2, 3, 4), Int16Array.of(5, 6, 7, 8)]);
    expect(buffer.buffered).toBe(2);
    expect(buffer.drain()).toEqual(Int16Array.of(9, 10));
    expect(buffer.drain()).toEqual(new Int16Array(0));
  });
});

describe('parseWav', () => {
  test('reads 16-bit PCM and skips chunks it does not need', () => {
    const plain = wavBytes(Int16Array.of(1, -2, 3));
    expect(parseWav(plain)).toEqual({ sampleRate: 16000, samples: Int16Array.of(1, -2, 3) });
    // A LIST chunk (odd length, padded) between fmt and data.
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    expect(parseWav(withList).samples).toEqual(Int16Array.of(1, -2, 3));
  });

  test('says what is wrong with files it cannot take', () => {
    expect(() => parseWav(Buffer.from('hello world!'))).toThrow('not a WAV file');
    const stereo = wavBytes(Int16Array.of(1, 2));
    stereo.writeUInt16LE(2, 22);
    expect(() => parseWav(stereo)).toThrow('2 channels; send mono');
    const eightBit = wavBytes(Int16Array.of(1, 2));
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow('8-bit samples');
  });
});

describe('readAudio', () => {
  test('INT16, FP32 and WAV BYTES inputs', () => {
    expect(readAudio({ inputs: [{ name: 'audio', datatype: 'INT16', shape: [2], data: [5, -5] }] })).toEqual(
      Int16Array.of(5, -5),
    );
    expect(readAudio({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [0.5] }] })).toEqual(
      Float32Array.of(0.5),
    );
    const wav = wavBytes(Int16Array.of(7, 8));
    expect(
      readAudio({
        inputs: [{ name: 'audio', datatype: 'BYTES', shape: [2], data: [wav, wav.toString('base64')] }],
      }),
    ).toEqual(Int16Array.of(7, 8, 7, 8));
  });

  test('anything else is an InvalidInputError that says what to send', () => {
    const wav = wavBytes(Int16Array.of(1));
    wav.writeUInt32LE(8000, 24);
    const cases = [
      { inputs: [{ name: 'audio', datatype: 'FP64', shape: [1], data: [0] }] },
      { inputs: [{ name: 'audio', datatype: 'BYTES', shape: [1], data: [wav] }] },
      {
        inputs: [
          { name: 'a', datatype: 'INT16', shape: [1], data: [0] },
          { name: 'b', datatype: 'INT16', shape: [1], data: [0] },
        ],
      },
    ] as const;
    for (const request of cases) expect(() => readAudio(request as never)).toThrow(InvalidInputError);
    expect(() => readAudio(cases[1] as never)).toThrow('8000 Hz; resample to 16000 Hz');
  });

  test('float and integer samples convert both ways, clipped', () => {
    expect(toInt16(Float32Array.of(0, 0.5, 1.5, -2, Number.NaN))).toEqual(
      Int16Array.of(0, 16384, 32767, -32767, 0),
    );
    expect(toFloat32(Int16Array.of(-32768, 16384))).toEqual(Float32Array.of(-1, 0.5));
  });
});

describe('AudioHistory', () => {
  test('slices by stream index and forgets what was trimmed', () => {
    const history = new AudioHistory();
    history.append(Int16Array.from({ length: 20_000 }, (_, i) => i % 1000));
    history.append(Int16Array.of(1, 2, 3));
    expect(history.end).toBe(20_003);
    expect(history.slice(19_999, 20_002)).toEqual(Int16Array.of(999, 1, 2));
    history.trimBefore(20_000);
    expect(history.start).toBe(20_000);
    expect(history.slice(0, 20_001)).toEqual(Int16Array.of(1));
  });
});

describe('SpeechDetector (Silero VADIterator)', () => {
  const W = 512;
  const detector = (minSpeech = 0) =>
    new SpeechDetector({
      window: W,
      threshold: 0.5,
      negThreshold: 0.35,
      minSilence: 3 * W,
      minSpeech,
      pad: 100,
    });
  const feed = (d: SpeechDetector, probabilities: number[]) => probabilities.flatMap((p) => d.step(p));

  test('starts at the first window above the threshold (padded), ends after the hangover', () => {
    const d = detector();
    const events = feed(d, [0.1, 0.1, 0.9, 0.8, 0.4, 0.9, 0.2, 0.2, 0.2, 0.2, 0.1]);
    // 0.4 is between the thresholds (hysteresis): speech goes on. The end is reported once the
    // silence has lasted 3 windows, at the start of the silence plus the pad.
    expect(events).toEqual([
      { type: 'speech_start', sample: 2 * W - 100 },
      { type: 'speech_end', sample: 6 * W + 100 },
    ]);
  });

  test('a dip shorter than the hangover does not end the speech', () => {
    const d = detector();
    expect(feed(d, [0.9, 0.1, 0.1, 0.9, 0.9])).toEqual([{ type: 'speech_start', sample: 0 }]);
    expect(d.inSpeech).toBe(true);
    expect(d.finish(5 * W)).toEqual([{ type: 'speech_end', sample: 5 * W }]);
  });

  test('with a minimum speech, a blip is ignored and a start is reported late, with its real time', () => {
    const d = detector(3 * W);
    expect(feed(d, [0.9, 0.1, 0.1, 0.1, 0.1])).toEqual([]);
    expect(feed(d, [0.9, 0.9])).toEqual([]);
    expect(feed(d, [0.9])).toEqual([{ type: 'speech_start', sample: 5 * W - 100 }]);
  });

  test('settled: while silence may be ending a segment, only audio before its earliest end is decided', () => {
    const d = detector();
    feed(d, [0.9, 0.9]);
    expect(d.settled).toBe(2 * W);
    feed(d, [0.1]);
    expect(d.settled).toBe(2 * W + 100);
    const events = feed(d, [0.1, 0.1, 0.1]);
    expect(events).toEqual([{ type: 'speech_end', sample: 2 * W + 100 }]);
  });
});

describe('options', () => {
  test('ASR and VAD options: defaults, and one message listing every problem', () => {
    expect(readAsrOptions({})).toMatchObject({
      blockSamples: 2048,
      partials: true,
      maxSessions: 16,
      frameRate: 100,
    });
    const bad = () => readAsrOptions({ block_samples: 0, partials: 'yes', decoder_args: { lm: 3 } });
    for (const field of ['block_samples', 'partials', 'decoder_args']) expect(bad).toThrow(field);
    expect(readVadOptions({}).detector).toEqual({
      threshold: 0.5,
      negThreshold: 0.35,
      minSilence: 1600,
      minSpeech: 4000,
      pad: 480,
    });
    expect(() => readVadOptions({ threshold: 2 })).toThrow('threshold must be a number in [0, 1]');
  });
});
