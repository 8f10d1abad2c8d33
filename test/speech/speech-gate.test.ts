import type { Recognizer, Transcript } from '../../examples/asr/recognizer.js';
import type { SpeechEvent } from '../../examples/vad/speech-detector.js';
import type { VadStream } from '../../examples/vad/vad-stream.js';
import { SpeechGate } from '../../examples/vad-asr/speech-gate.js';

/** A VAD whose decisions are scripted per write: events, and how far it has classified and settled. */
function scriptedVad(steps: { events: SpeechEvent[]; processed: number; settled: number }[]) {
  let step = { events: [] as SpeechEvent[], processed: 0, settled: 0 };
  const detector = {
    get processed() {
      return step.processed;
    },
    get settled() {
      return step.settled;
    },
  };
  return {
    detector,
    async write() {
      step = steps.shift()!;
      return step.events;
    },
    async end() {
      return [];
    },
  } as unknown as VadStream;
}

/** A recogniser that records the audio and the utterance boundaries it is given. */
function recordingRecognizer() {
  const log: (string | number[])[] = [];
  const recognizer = {
    async beginUtterance(seconds: number) {
      log.push(`begin ${seconds}`);
    },
    async *write(pcm: Int16Array): AsyncGenerator<Transcript> {
      log.push(Array.from(pcm));
      yield* []; // partials are not what this test looks at
    },
    async *endUtterance(): AsyncGenerator<Transcript> {
      log.push('end');
      yield { text: 'words', isFinal: true, utterance: 0, start: 0, end: 0, words: [] };
    },
  } as unknown as Recognizer;
  return { recognizer, log };
}

/** Samples whose values are their own index (mod 2^15), so that the test sees which ones went through. */
const indexed = (from: number, to: number) =>
  Int16Array.from({ length: to - from }, (_, i) => (from + i) % 32768);

async function drain(gen: AsyncGenerator<Transcript>): Promise<Transcript[]> {
  const out: Transcript[] = [];
  for await (const t of gen) out.push(t);
  return out;
}

describe('SpeechGate', () => {
  test('only the samples of a VAD segment reach the recogniser, as soon as the VAD has settled them', async () => {
    const vad = scriptedVad([
      { events: [], processed: 9728, settled: 9728 },
      { events: [{ type: 'speech_start', sample: 8000 }], processed: 19_968, settled: 19_968 },
      { events: [], processed: 29_696, settled: 24_000 }, // a pause: only up to its earliest end
      { events: [{ type: 'speech_end', sample: 25_000 }], processed: 39_936, settled: 39_936 },
      { events: [], processed: 49_664, settled: 49_664 },
    ]);
    const { recognizer, log } = recordingRecognizer();
    const gate = new SpeechGate(vad, recognizer, 5000);
    const finals: Transcript[] = [];
    for (let i = 0; i < 5; i++)
      finals.push(...(await drain(gate.write(indexed(i * 10_000, (i + 1) * 10_000)))));
    finals.push(...(await drain(gate.end())));

    expect(log[0]).toBe('begin 0.5');
    expect(log.at(-1)).toBe('end');
    const fed = log.filter((entry): entry is number[] => Array.isArray(entry));
    expect(fed.map((chunk) => [chunk[0], chunk.at(-1)])).toEqual([
      [8000, 19_967],
      [19_968, 23_999],
      [24_000, 24_999],
    ]);
    expect(fed.flat()).toEqual(Array.from(indexed(8000, 25_000)));
    expect(finals.map((t) => t.text)).toEqual(['words']);
  });
});
