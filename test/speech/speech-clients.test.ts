import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { streamAudio } from '../../examples/speech-clients/ws-stream.js';
import {
  flite,
  GO_FORWARD,
  LIBRIVOX,
  pocketsphinxCli,
  readPcm,
  startSpeechServer,
  wavBytes,
} from './speech-helpers.js';

// The clients of examples/speech-clients, run as users run them (a process each, `node --import
// tsx`), against the real CLI process: every client path transcribes "go forward ten meters" and
// a LibriVox sentence as pocketsphinx_continuous does.

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const FLITE_TEXT = 'go forward ten meters and then turn left at the kitchen door';

let server: Awaited<ReturnType<typeof startSpeechServer>>;
let dir: string;
let folder: string;
let files: { name: string; wav: string; expected: string[] }[];
let fliteFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-clients-'));
  folder = path.join(dir, 'wavs');
  await mkdir(folder);
  // goforward.raw as a WAV file (the clients that send files send WAV), and a LibriVox sentence.
  const goforward = path.join(folder, 'goforward.wav');
  await writeFile(goforward, wavBytes(await readPcm(GO_FORWARD)));
  const librivox = path.join(folder, 'librivox-0880.wav');
  await copyFile(LIBRIVOX, librivox);
  files = [
    { name: 'goforward.wav', wav: goforward, expected: await pocketsphinxCli(GO_FORWARD) },
    { name: 'librivox-0880.wav', wav: librivox, expected: await pocketsphinxCli(LIBRIVOX) },
  ];
  expect(files[0]!.expected).toEqual(['go forward ten meters']);
  fliteFile = await flite(FLITE_TEXT, dir);
  server = await startSpeechServer({ asr: { max_sessions: 24, warm_decoders: 2 } }, { triton: true });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs a client program; resolves with its output lines. */
async function client(program: string, args: string[]): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'examples/speech-clients', program), ...args],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 1 << 20 },
  );
  return stdout.split('\n').filter((line) => line !== '');
}

/** The value of each `<prefix> …: <text>` line. */
function texts(lines: string[], prefix: RegExp): string[] {
  return lines.filter((line) => prefix.test(line)).map((line) => line.slice(line.indexOf(': ') + 2));
}

describe.each([0, 1])('file %i ("go forward ten meters", then a LibriVox sentence)', (index) => {
  test('CAIMAN style: 60 ms S16LE frames in real time over WebSocket, partials, a blank frame, the finals', async () => {
    const { wav, expected } = files[index]!;
    const lines = await client('caiman.ts', [wav, '--url', server.http]);
    expect(texts(lines, /^final /)).toEqual(expected);
    expect(texts(lines, /^partial /).length).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(`transcript: ${expected.join(' ')}`);
  }, 120_000);

  test('Riva-front style: audio in over WebSocket, transcripts out over SSE on a second connection', async () => {
    const { wav, expected } = files[index]!;
    const lines = await client('riva.ts', [wav, '--url', server.http, '--speed', '2']);
    expect(texts(lines, /^final: /)).toEqual(expected);
    expect(texts(lines, /^partial: /).length).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(`transcript: ${expected.join(' ')}`);
  }, 120_000);

  test('DeepSpeech style: the WAV file in one binary frame, {"text", "time"} back', async () => {
    const { wav, expected } = files[index]!;
    const lines = await client('deepspeech.ts', [wav, '--url', server.http]);
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0]!) as { text: string; time: number };
    expect(answer.text).toBe(expected.join(' '));
    expect(answer.time).toBeGreaterThan(0);
  }, 120_000);
});

/** The Jasper client's per-file blocks: `== <file> (…)` then one line per utterance. */
function perFile(lines: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines) {
    const header = /^== (\S+) \(/.exec(line);
    if (header) {
      current = [];
      out.set(header[1]!, current);
    } else if (line.startsWith('== ')) current = undefined;
    else current?.push(line);
  }
  return out;
}

describe('Jasper/Triton style: a folder of WAV files, sync, async and streaming, HTTP and gRPC', () => {
  test.each([
    [
      'gRPC, sync, batches of 2 (BYTES [2] of WAV files)',
      ['--protocol', 'grpc', '--async-mode', 'false', '--streaming', 'false', '--batch-size', '2'],
    ],
    [
      'HTTP, sync, batch of 8 (binary tensor extension)',
      ['--protocol', 'http', '--async-mode', 'false', '--streaming', 'false', '--batch-size', '8'],
    ],
    ['HTTP, async (requests in flight together)', ['--protocol', 'http', '--streaming', 'false']],
    ['gRPC, async', ['--protocol', 'grpc', '--streaming', 'false']],
    [
      "gRPC, streaming over MLServer's ModelStreamInfer, 2 files at once",
      ['--protocol', 'grpc', '--batch-size', '2'],
    ],
    [
      'gRPC, streaming as a Triton sequence on the Triton stream',
      ['--protocol', 'grpc', '--grpc-flavour', 'triton'],
    ],
    [
      'HTTP, streaming as a Triton sequence of REST infer calls, 500 ms chunks',
      ['--protocol', 'http', '--chunk-ms', '500'],
    ],
  ])(
    '%s',
    async (_name, args) => {
      const lines = await client('jasper.ts', [
        folder,
        ...args,
        '--url',
        server.http,
        '--grpc',
        server.grpc,
        '--triton',
        server.triton!,
      ]);
      const transcribed = perFile(lines);
      expect([...transcribed.keys()].sort()).toEqual(files.map((f) => f.name));
      for (const { name, expected } of files) expect(transcribed.get(name)).toEqual(expected);
      expect(lines.at(-1)).toMatch(/^== 2 files in /);
    },
    120_000,
  );
});

test('a flite sentence streamed in 60 ms frames (CAIMAN client): growing partials while it streams, then the final', async () => {
  const expected = await pocketsphinxCli(fliteFile);
  expect(expected).toEqual([FLITE_TEXT]);
  const duration = (await readPcm(fliteFile)).length / 16000;
  const lines = await client('caiman.ts', [fliteFile, '--url', server.http]);
  const partials = lines
    .filter((line) => line.startsWith('partial '))
    .map((line) => ({
      sent: Number(/^partial ([\d.]+)s: /.exec(line)![1]),
      text: line.slice(line.indexOf(': ') + 2),
    }));
  expect(partials.length).toBeGreaterThanOrEqual(3);
  expect(new Set(partials.map((p) => p.text)).size).toBe(partials.length); // each one is news
  const words = partials.map((p) => p.text.split(' ').length);
  expect(words[0]!).toBeLessThan(words.at(-1)!); // they grow
  // Partials arrive interleaved with the sending: the first one before the audio is all sent.
  expect(partials[0]!.sent).toBeLessThan(duration);
  expect(texts(lines, /^final /)).toEqual(expected);
  const finalAt = lines.findIndex((line) => line.startsWith('final '));
  expect(finalAt).toBeGreaterThan(lines.findLastIndex((line) => line.startsWith('partial ')));
}, 120_000);

test('20 concurrent WebSocket sessions give the same transcripts, utterances and times as one at a time', async () => {
  const audio = [await readPcm(GO_FORWARD), await readPcm(LIBRIVOX)];
  const finals = async (pcm: Int16Array) => {
    const result = await streamAudio(server.http, 'asr', pcm, { frameSamples: 960, speed: 0 });
    expect({ code: result.code, errors: result.errors }).toEqual({ code: 1000, errors: [] });
    return result.heard.filter((h) => h.isFinal);
  };
  const alone = [];
  for (const pcm of audio) alone.push(await finals(pcm));
  expect(alone.map((heard) => heard.map((h) => h.text))).toEqual(files.map((f) => f.expected));
  const together = await Promise.all(Array.from({ length: 20 }, (_, i) => finals(audio[i % 2]!)));
  for (const [i, heard] of together.entries()) expect(heard).toEqual(alone[i % 2]);
}, 300_000);

test.each(['caiman.ts', 'riva.ts', 'deepspeech.ts', 'jasper.ts'])(
  '%s prints its usage on --help (exit 0), and the problem and its usage on a bad option (exit 2)',
  async (program) => {
    const usage = new RegExp(`^usage: ${program.replace('.', '\\.')} <`);
    const help = await client(program, ['--help']);
    expect(help[0]).toMatch(usage);
    const failed = await client(program, ['some.wav', '--no-such-option', 'x']).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/Unknown option '--no-such-option'/);
    expect(failed?.stderr.split('\n')[1]).toMatch(usage);
  },
  60_000,
);
