import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { openStream } from '../grpc/stream-client.js';
import { postJson } from '../helpers/test-server.js';
import { collectSse } from '../helpers/sse-client.js';
import {
  concat,
  FRAME_60MS,
  frames,
  flite,
  GO_FORWARD,
  grpcClient,
  grpcOutputs,
  type Heard,
  jsonOutputs,
  LIBRIVOX,
  pcmRequest,
  pocketsphinxCli,
  quiet,
  readPcm,
  startSpeechServer,
  streamOverGrpc,
  transcripts,
  wavBytes,
} from './speech-helpers.js';

// The PocketSphinx runtime (examples/asr) served by the real CLI process, against
// pocketsphinx_continuous run on the same files with the same model.

let server: Awaited<ReturnType<typeof startSpeechServer>>;
let client: grpc.Client;
let dir: string;
const FLITE_TEXT = 'go forward ten meters and then turn left at the kitchen door';
let fliteFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-asr-'));
  fliteFile = await flite(FLITE_TEXT, dir);
  server = await startSpeechServer({ asr: { max_sessions: 20, warm_decoders: 2 } });
  client = grpcClient(server.grpc);
}, 120_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const finals = (heard: Heard[]) => heard.filter((t) => t.isFinal);

async function grpcTranscripts(file: string, frame = FRAME_60MS): Promise<Heard[]> {
  const { outputs, status } = await streamOverGrpc(client, 'asr', await readPcm(file), frame);
  expect(status.code).toBe(0);
  return outputs.flatMap(transcripts);
}

describe('the asr model transcribes as pocketsphinx_continuous does', () => {
  test.each([
    ['goforward.raw', GO_FORWARD],
    ['a LibriVox sentence', LIBRIVOX],
  ])(
    '%s over gRPC ModelStreamInfer in 60 ms frames of raw S16LE',
    async (_name, file) => {
      const expected = await pocketsphinxCli(file);
      expect(expected.length).toBeGreaterThan(0);
      const heard = finals(await grpcTranscripts(file));
      expect(heard.map((t) => t.text)).toEqual(expected);
      expect(heard.map((t) => t.utterance)).toEqual(expected.map((_, i) => i));
      for (const t of heard) {
        expect(t.words.map((w) => w.word).join(' ')).toBe(t.text);
        expect(t.start).toBeLessThan(t.end);
      }
    },
    120_000,
  );

  test('a recording with several utterances and pauses: one final transcript per utterance the CLI prints', async () => {
    const { pcm } = concat([
      quiet(1),
      await readPcm(GO_FORWARD),
      quiet(2.5),
      await readPcm(LIBRIVOX),
      quiet(1.5),
    ]);
    const file = path.join(dir, 'several.wav');
    await writeFile(file, wavBytes(pcm));
    const expected = await pocketsphinxCli(file);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const heard = finals(await grpcTranscripts(file)).filter((t) => t.text !== '');
    expect(heard.map((t) => t.text)).toEqual(expected);
    // Utterances are numbered in order and their times follow the audio.
    for (let i = 1; i < heard.length; i++) {
      expect(heard[i]!.utterance).toBeGreaterThan(heard[i - 1]!.utterance);
      expect(heard[i]!.start).toBeGreaterThanOrEqual(heard[i - 1]!.end);
    }
  }, 120_000);

  test('"go forward ten meters": the CLI says it, and so does the runtime over REST SSE with the whole file', async () => {
    expect(await pocketsphinxCli(GO_FORWARD)).toEqual(['go forward ten meters']);
    const pcm = await readPcm(GO_FORWARD);
    const events = await collectSse(`${server.http}/v2/models/asr/infer_stream`, {
      inputs: [{ name: 'audio', datatype: 'INT16', shape: [pcm.length], data: Array.from(pcm) }],
    });
    expect(events.every((e) => e.event === undefined || e.event === 'message')).toBe(true);
    const heard = events.flatMap((e) => transcripts(jsonOutputs(JSON.parse(e.data))));
    expect(finals(heard).map((t) => t.text)).toEqual(['go forward ten meters']);
    expect(heard.filter((t) => !t.isFinal).length).toBeGreaterThan(0);
    // Word times, seconds from the start of the file: "go" is spoken in its first second.
    const words = finals(heard)[0]!.words;
    expect(words[0]!.word).toBe('go');
    expect(words[0]!.start).toBeGreaterThan(0.1);
    expect(words[0]!.start).toBeLessThan(1);
    expect(words.at(-1)!.end).toBeLessThanOrEqual(pcm.length / 16000);
  }, 120_000);

  test('predict (REST infer) transcribes a WAV file sent as BYTES (base64 in JSON)', async () => {
    const expected = await pocketsphinxCli(LIBRIVOX);
    const wav = wavBytes(await readPcm(LIBRIVOX));
    const reply = await postJson(`${server.http}/v2/models/asr/infer`, {
      inputs: [{ name: 'audio', datatype: 'BYTES', shape: [1], data: [wav.toString('base64')] }],
    });
    expect(reply.status).toBe(200);
    const heard = transcripts(jsonOutputs(reply.body as never));
    expect(heard.map((t) => t.text)).toEqual(expected);
    expect(heard.every((t) => t.isFinal)).toBe(true);
  }, 120_000);

  test('the client framing does not matter: 60 ms frames, 1 s frames and one request give the same words and times', async () => {
    const small = finals(await grpcTranscripts(LIBRIVOX, FRAME_60MS));
    const large = finals(await grpcTranscripts(LIBRIVOX, 16000));
    const whole = finals(await grpcTranscripts(LIBRIVOX, 1 << 24));
    expect(large).toEqual(small);
    expect(whole).toEqual(small);
  }, 120_000);
});

describe('streaming', () => {
  test('a flite sentence streamed in 60 ms frames yields growing partials while it streams, then the final transcript', async () => {
    const expected = await pocketsphinxCli(fliteFile);
    expect(expected).toEqual([FLITE_TEXT]); // flite's rms voice is recognised word for word
    const pieces = frames(await readPcm(fliteFile), FRAME_60MS);
    const stream = openStream<Parameters<typeof grpcOutputs>[0]>(client, { deadlineMs: 120_000 });
    const half = Math.floor(pieces.length / 2);
    for (const piece of pieces.slice(0, half)) stream.write(pcmRequest('asr', piece));
    // A partial arrives while the client is still sending: nothing waits for the end of the audio.
    const first = transcripts(grpcOutputs(await nextOf(stream)))[0]!;
    expect(first.isFinal).toBe(false);
    for (const piece of pieces.slice(half)) stream.write(pcmRequest('asr', piece));
    stream.end();
    const heard = [first, ...(await stream.rest()).flatMap((r) => transcripts(grpcOutputs(r)))];
    expect((await stream.status).code).toBe(0);
    const partials = heard.filter((t) => !t.isFinal);
    expect(partials.length).toBeGreaterThanOrEqual(3);
    expect(new Set(partials.map((t) => t.text)).size).toBe(partials.length); // each one is news
    expect(partials[0]!.words.length).toBeLessThan(partials.at(-1)!.words.length); // they grow
    expect(partials.at(-1)!.end).toBeGreaterThan(partials[0]!.end);
    expect(heard.at(-1)!.isFinal).toBe(true); // the final comes last, after every partial
    expect(finals(heard).map((t) => t.text)).toEqual(expected);
  }, 120_000);
});

describe('sessions', () => {
  test('20 concurrent sessions give the same transcripts, words and times as one at a time', async () => {
    const files = [GO_FORWARD, LIBRIVOX, fliteFile];
    const alone: Heard[][] = [];
    for (const file of files) alone.push(finals(await grpcTranscripts(file)));
    const together = await Promise.all(
      Array.from({ length: 20 }, (_, i) => grpcTranscripts(files[i % files.length]!).then(finals)),
    );
    for (const [i, heard] of together.entries()) expect(heard).toEqual(alone[i % files.length]);
  }, 300_000);

  test('a session that sends bad audio fails alone; the sessions beside it finish correctly', async () => {
    const expected = await pocketsphinxCli(GO_FORWARD);
    const pcm = await readPcm(GO_FORWARD);
    const bad = openStream<never>(client, { deadlineMs: 60_000 });
    bad.write(pcmRequest('asr', pcm.subarray(0, FRAME_60MS)));
    bad.write({
      model_name: 'asr',
      inputs: [
        {
          name: 'audio',
          datatype: 'BYTES',
          shape: ['1'],
          contents: { bytes_contents: [Buffer.from('not a wav')] },
        },
      ],
    });
    const good = Promise.all([grpcTranscripts(GO_FORWARD), grpcTranscripts(GO_FORWARD)]);
    const status = await bad.status;
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.details).toMatch(/not a WAV file/);
    for (const heard of await good) expect(finals(heard).map((t) => t.text)).toEqual(expected);
  }, 120_000);

  test('max_sessions: one stream more is refused; cancelled streams free their decoders for the next ones', async () => {
    const pcm = await readPcm(GO_FORWARD);
    const streams = Array.from({ length: 20 }, () => openStream<never>(client, { deadlineMs: 120_000 }));
    // 1 s of "go forward…" gives each stream a partial ("go"): then it surely holds a decoder.
    for (const s of streams) s.write(pcmRequest('asr', pcm.subarray(0, 16_000)));
    await Promise.all(streams.map((s) => nextOf(s)));
    const extra = openStream<never>(client, { deadlineMs: 60_000 });
    extra.write(pcmRequest('asr', pcm.subarray(0, FRAME_60MS)));
    const refused = await extra.status;
    expect(refused.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(refused.details).toMatch(/all 20 recogniser sessions are in use/);
    for (const s of streams) s.cancel();
    await Promise.all(streams.map((s) => s.status));
    // The server frees cancelled sessions as their calls unwind: new sessions soon get decoders.
    await eventually(async () => {
      const heard = await grpcTranscripts(GO_FORWARD);
      expect(finals(heard).map((t) => t.text)).toEqual(['go forward ten meters']);
    });
  }, 240_000);
});

async function nextOf<T>(stream: { next(): Promise<T | undefined> }): Promise<NonNullable<T>> {
  const message = await stream.next();
  if (message === undefined) throw new Error('the stream ended');
  return message as NonNullable<T>;
}

/** Retries `check` until it passes (the server frees cancelled sessions asynchronously). */
async function eventually(check: () => Promise<void>, attempts = 20): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await check();
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
