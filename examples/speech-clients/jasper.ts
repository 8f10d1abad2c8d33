/**
 * The Triton Jasper example's client (sync, async and streaming requests over HTTP and gRPC),
 * against mlserver-ts's `asr` model: transcribes every WAV file of a folder and prints the text
 * per file.
 *
 *   npx tsx examples/speech-clients/jasper.ts <folder> [--protocol grpc|http] [--async-mode true|false]
 *     [--streaming true|false] [--batch-size 1..8] [--model asr] [--url URL] [--grpc HOST:PORT]
 *     [--grpc-flavour mlserver|triton] [--triton HOST:PORT] [--chunk-ms 1000] [--concurrency 4]
 *
 * - sync (`--async-mode false --streaming false`): one `infer` per batch of `--batch-size` files
 *   (BYTES [n], whole WAV files), each waiting for its answer;
 * - async (`--streaming false`): the same requests, up to `--concurrency` in flight at once,
 *   printed as they complete;
 * - streaming (the default, as in Jasper's client): each file in chunks of `--chunk-ms`, over gRPC
 *   `ModelStreamInfer` (MLServer's stream on the default port; or, with `--grpc-flavour triton`, as
 *   steps of a Triton sequence on `grpc_triton_port`), or over HTTP as steps of a Triton sequence
 *   sent to REST `infer`; `--batch-size` files are streamed at once.
 *
 * Prints, per file, `== <file> (<how>)` and then one line per utterance.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readPcm, wavFiles } from './audio-file.js';
import { commandLine } from './command-line.js';
import { endpoints } from './endpoints.js';
import { inferenceClient, modelInfer, responseTranscripts, wavBatchRequest } from './grpc-inference.js';
import { inferWavBatch } from './http-inference.js';
import { streamOverHttp, streamOverMlserver, streamOverTriton } from './jasper-streaming.js';
import type { Heard } from './transcripts.js';

const USAGE = `usage: jasper.ts <folder of .wav files> [--protocol grpc|http] [--async-mode true|false]
  [--streaming true|false] [--batch-size 1..8] [--model asr] [--url URL] [--grpc HOST:PORT]
  [--grpc-flavour mlserver|triton] [--triton HOST:PORT] [--chunk-ms 1000] [--concurrency 4]`;
const { values, positionals } = commandLine(USAGE, {
  protocol: { type: 'string', default: 'grpc' },
  'async-mode': { type: 'string', default: 'true' },
  streaming: { type: 'string', default: 'true' },
  'batch-size': { type: 'string', default: '1' },
  model: { type: 'string', default: 'asr' },
  url: { type: 'string' },
  grpc: { type: 'string' },
  triton: { type: 'string' },
  'grpc-flavour': { type: 'string', default: 'mlserver' },
  'chunk-ms': { type: 'string', default: '1000' },
  concurrency: { type: 'string', default: '4' },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const folder = positionals[0] ?? fail(USAGE);
const protocol = values.protocol!.toLowerCase();
if (protocol !== 'grpc' && protocol !== 'http') fail('--protocol must be grpc or http');
const asyncMode = values['async-mode'] !== 'false';
const streaming = values.streaming !== 'false';
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 8) fail('--batch-size must be 1 to 8');
const flavour = values['grpc-flavour'] === 'triton' ? 'triton' : 'mlserver';
const model = values.model!;
const ends = endpoints(values);
const files = await wavFiles(folder);
const started = performance.now();
const mode = streaming ? 'streaming' : asyncMode ? 'async' : 'sync';
console.log(`protocol: ${protocol}, mode: ${mode}, batch size: ${batchSize}, model: ${model}`);

function report(file: string, how: string, heard: Heard[]): void {
  const finals = heard.filter((h) => h.isFinal && h.text !== '');
  console.log(`== ${path.basename(file)} (${how})`);
  for (const h of finals) console.log(h.text);
}

const batches: string[][] = [];
for (let at = 0; at < files.length; at += batchSize) batches.push(files.slice(at, at + batchSize));
const client =
  protocol === 'grpc' ? inferenceClient(flavour === 'triton' ? ends.triton : ends.grpc, flavour) : undefined;

try {
  if (streaming) {
    const chunkSamples = Math.round((Number(values['chunk-ms']) * 16000) / 1000);
    let nextSequence = 1000 + (process.pid % 1000) * 1000;
    for (const batch of batches) {
      await Promise.all(
        batch.map(async (file) => {
          const target = { model, chunkSamples, sequenceId: nextSequence++ };
          const pcm = await readPcm(file);
          const heard =
            protocol === 'http'
              ? await streamOverHttp(ends.http, pcm, target)
              : flavour === 'triton'
                ? await streamOverTriton(client!, pcm, target)
                : await streamOverMlserver(client!, pcm, target);
          const chunks = Math.ceil(pcm.length / chunkSamples);
          const how =
            protocol === 'http' || flavour === 'triton'
              ? `sequence ${target.sequenceId}, ${chunks} chunks`
              : `stream, ${chunks} chunks`;
          report(file, how, heard);
        }),
      );
    }
  } else {
    const send = async (batch: string[], n: number) => {
      const wavs = await Promise.all(batch.map((file) => readFile(file)));
      const id = `request-${n}`;
      const heard =
        protocol === 'http'
          ? await inferWavBatch(ends.http, model, id, wavs)
          : responseTranscripts(await modelInfer(client!, wavBatchRequest(model, id, wavs)));
      for (const [item, file] of batch.entries()) {
        report(
          file,
          `${id}, batch size ${batch.length}`,
          heard.filter((h) => h.item === item),
        );
      }
    };
    if (!asyncMode) {
      for (const [n, batch] of batches.entries()) await send(batch, n + 1);
    } else {
      // Many requests in flight, at most --concurrency (the model refuses streams past its max_sessions).
      const limit = Math.max(1, Number(values.concurrency));
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const n = next++;
          await send(batches[n]!, n + 1);
        }
      };
      await Promise.all(Array.from({ length: Math.min(limit, batches.length) }, worker));
    }
  }
  console.log(`== ${files.length} files in ${((performance.now() - started) / 1000).toFixed(2)} s`);
} finally {
  client?.close();
}
