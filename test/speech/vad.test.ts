import type * as grpc from '@grpc/grpc-js';
import { collectSse } from '../helpers/sse-client.js';
import { postJson } from '../helpers/test-server.js';
import { openStream } from '../grpc/stream-client.js';
import {
  concat,
  frames,
  GO_FORWARD,
  grpcClient,
  grpcOutputs,
  jsonOutputs,
  LIBRIVOX,
  type Outputs,
  pcmRequest,
  pocketsphinxCli,
  quiet,
  readPcm,
  startSpeechServer,
  streamOverGrpc,
  transcripts,
  wavBytes,
} from './speech-helpers.js';

// The Silero VAD runtime (examples/vad) and the VAD-gated recogniser (examples/vad-asr), served
// by the real CLI process.

let server: Awaited<ReturnType<typeof startSpeechServer>>;
let client: grpc.Client;
/** quiet 1.5 s, "go forward ten meters", quiet 3 s, a LibriVox sentence, quiet 2 s. */
let audio: { pcm: Int16Array; spans: { start: number; end: number }[] };

beforeAll(async () => {
  audio = concat([quiet(1.5), await readPcm(GO_FORWARD), quiet(3), await readPcm(LIBRIVOX), quiet(2)]);
  server = await startSpeechServer();
  client = grpcClient(server.grpc);
}, 120_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

interface Segment {
  start: number;
  end: number;
}

/** Pairs speech_start / speech_end events into segments, checking they alternate. */
function segments(events: { event: string; time: number }[]): Segment[] {
  const out: Segment[] = [];
  for (const [i, e] of events.entries()) {
    expect(e.event).toBe(i % 2 === 0 ? 'speech_start' : 'speech_end');
    if (i % 2 === 0) out.push({ start: e.time, end: Number.NaN });
    else out.at(-1)!.end = e.time;
  }
  expect(events.length % 2).toBe(0);
  return out;
}

function events(outputs: Outputs[]): { event: string; time: number }[] {
  return outputs.flatMap((o) =>
    o.event!.map((event, i) => ({ event: event as string, time: o.time![i] as number })),
  );
}

describe('the vad model', () => {
  test('streamed in 60 ms frames over gRPC, its speech segments fall where the speech is', async () => {
    const { outputs, status } = await streamOverGrpc(client, 'vad', audio.pcm);
    expect(status.code).toBe(0);
    const found = segments(events(outputs));
    // Clip 1 and 3 are speech, 0, 2 and 4 near-silence: one segment inside each spoken clip.
    expect(found).toHaveLength(2);
    for (const [i, clip] of [audio.spans[1]!, audio.spans[3]!].entries()) {
      const segment = found[i]!;
      expect(segment.start).toBeGreaterThanOrEqual(clip.start);
      expect(segment.end).toBeLessThanOrEqual(clip.end);
      expect(segment.end - segment.start).toBeGreaterThan((clip.end - clip.start) / 2);
    }
  }, 120_000);

  test('the events do not depend on the framing: 60 ms frames, odd-sized frames, one SSE request and predict agree', async () => {
    const small = events((await streamOverGrpc(client, 'vad', audio.pcm)).outputs);
    const odd = events((await streamOverGrpc(client, 'vad', audio.pcm, 777)).outputs);
    const sse = await collectSse(`${server.http}/v2/models/vad/infer_stream`, {
      inputs: [{ name: 'audio', datatype: 'INT16', shape: [audio.pcm.length], data: Array.from(audio.pcm) }],
    });
    const whole = events(sse.map((e) => jsonOutputs(JSON.parse(e.data))));
    const reply = await postJson(`${server.http}/v2/models/vad/infer`, {
      inputs: [
        { name: 'audio', datatype: 'BYTES', shape: [1], data: [wavBytes(audio.pcm).toString('base64')] },
      ],
    });
    expect(reply.status).toBe(200);
    const unary = events([jsonOutputs(reply.body as never)]);
    expect(odd).toEqual(small);
    expect(whole).toEqual(small);
    expect(unary).toEqual(small);
  }, 120_000);

  test('an event comes as soon as the audio decides it, while the client is still sending', async () => {
    const pieces = frames(audio.pcm, 960);
    const stream = openStream<never>(client, { deadlineMs: 60_000 });
    // Up to 1 s after the first spoken clip ends: its start and its end are both decided.
    const cut = Math.ceil(((audio.spans[1]!.end + 1) * 16000) / 960);
    for (const piece of pieces.slice(0, cut)) stream.write(pcmRequest('vad', piece));
    const first = events([grpcOutputs((await stream.next())!), grpcOutputs((await stream.next())!)]);
    expect(first.map((e) => e.event)).toEqual(['speech_start', 'speech_end']);
    stream.end();
    await stream.rest();
    expect((await stream.status).code).toBe(0);
  }, 60_000);
});

describe('the vad-asr pipeline', () => {
  test('each VAD segment becomes an utterance whose final transcript is what the CLI hears in that clip', async () => {
    const expected = [...(await pocketsphinxCli(GO_FORWARD)), ...(await pocketsphinxCli(LIBRIVOX))];
    const vad = segments(events((await streamOverGrpc(client, 'vad', audio.pcm)).outputs));
    const { outputs, status } = await streamOverGrpc(client, 'vad-asr', audio.pcm);
    expect(status.code).toBe(0);
    const heard = outputs.flatMap(transcripts);
    const finals = heard.filter((t) => t.isFinal);
    expect(finals.map((t) => t.utterance)).toEqual([0, 1]);
    expect(finals[0]!.text).toBe(expected[0]);
    // The LibriVox clip is cut by the VAD, not by pocketsphinx: compare words, allowing the edges to differ.
    const librivoxWords = finals[1]!.text.split(' ');
    const cliWords = expected[1]!.split(' ');
    const shared = librivoxWords.filter((w) => cliWords.includes(w)).length;
    expect(shared / cliWords.length).toBeGreaterThanOrEqual(0.6);
    // Only speech reached the recogniser: every word lies inside the VAD segment of its utterance.
    for (const [i, t] of finals.entries()) {
      for (const w of t.words) {
        expect(w.start).toBeGreaterThanOrEqual(vad[i]!.start);
        expect(w.end).toBeLessThanOrEqual(vad[i]!.end + 0.01);
      }
    }
    expect(heard.some((t) => !t.isFinal)).toBe(true);
  }, 120_000);

  test('an utterance ends at VAD silence: its final transcript arrives before the stream ends', async () => {
    const pieces = frames(audio.pcm, 960);
    const stream = openStream<never>(client, { deadlineMs: 60_000 });
    const cut = Math.ceil(((audio.spans[1]!.end + 1.2) * 16000) / 960);
    for (const piece of pieces.slice(0, cut)) stream.write(pcmRequest('vad-asr', piece));
    let final: ReturnType<typeof transcripts>[number] | undefined;
    while (!final) {
      const message = await stream.next();
      if (!message) throw new Error('the stream ended before a final transcript');
      final = transcripts(grpcOutputs(message)).find((t) => t.isFinal);
    }
    expect(final.text).toBe('go forward ten meters');
    stream.end();
    await stream.rest();
    expect((await stream.status).code).toBe(0);
  }, 60_000);

  test('near-silence alone gives no transcript at all', async () => {
    const { outputs, status } = await streamOverGrpc(client, 'vad-asr', quiet(3));
    expect(status.code).toBe(0);
    expect(outputs).toEqual([]);
  }, 60_000);
});
