import type * as grpc from '@grpc/grpc-js';
import { frames } from './audio-file.js';
import {
  type InferenceClient,
  type ProtoResponse,
  pcmRequest,
  responseTranscripts,
  sequenceParameters,
} from './grpc-inference.js';
import { sequenceStep } from './http-inference.js';
import type { Heard } from './transcripts.js';

/** How one file is streamed: in chunks of `chunkSamples`, each chunk one request. */
export interface StreamTarget {
  model: string;
  chunkSamples: number;
  /** A Triton sequence id for this file (HTTP and the Triton stream). */
  sequenceId: number;
}

/**
 * Over MLServer's `ModelStreamInfer` (the default gRPC port): one stream per file, one request per
 * chunk, written without waiting; the model answers with partial and final transcripts as it goes
 * and ends the last utterance when the stream's input ends.
 */
export async function streamOverMlserver(
  client: InferenceClient,
  pcm: Int16Array,
  target: StreamTarget,
): Promise<Heard[]> {
  const call = client.ModelStreamInfer!() as grpc.ClientDuplexStream<unknown, ProtoResponse>;
  const heard: Heard[] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (response: ProtoResponse) => heard.push(...responseTranscripts(response)));
    call.on('error', reject);
    call.on('end', resolve);
  });
  for (const [i, chunk] of frames(pcm, target.chunkSamples).entries())
    call.write(pcmRequest(target.model, `chunk-${i}`, chunk));
  call.end();
  await done;
  return heard;
}

interface TritonStreamResponse {
  error_message: string;
  infer_response: ProtoResponse | null;
}

/**
 * Over Triton's stream flavour (`grpc_triton_port`), as Jasper's client streams: each chunk is a
 * step of a sequence (`sequence_id`, `sequence_start` on the first, `sequence_end` on the last),
 * answered exactly once, in order; errors come back in-band (`error_message`).
 */
export async function streamOverTriton(
  client: InferenceClient,
  pcm: Int16Array,
  target: StreamTarget,
): Promise<Heard[]> {
  const chunks = frames(pcm, target.chunkSamples);
  const call = client.ModelStreamInfer!() as grpc.ClientDuplexStream<unknown, TritonStreamResponse>;
  const heard: Heard[] = [];
  const done = new Promise<void>((resolve, reject) => {
    let answered = 0;
    call.on('data', (message: TritonStreamResponse) => {
      if (message.error_message) {
        reject(new Error(message.error_message));
        call.cancel();
        return;
      }
      if (message.infer_response) heard.push(...responseTranscripts(message.infer_response));
      if (++answered === chunks.length) resolve();
    });
    call.on('error', reject);
  });
  for (const [i, chunk] of chunks.entries()) {
    const parameters = sequenceParameters(target.sequenceId, i === 0, i === chunks.length - 1);
    call.write(pcmRequest(target.model, `chunk-${i}`, chunk, parameters));
  }
  try {
    await done;
  } finally {
    call.end();
  }
  return heard;
}

/** Over REST: each chunk a sequence step of `infer`, one after the other (each waits for its answer). */
export async function streamOverHttp(http: string, pcm: Int16Array, target: StreamTarget): Promise<Heard[]> {
  const chunks = frames(pcm, target.chunkSamples);
  const heard: Heard[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const sequence = { id: target.sequenceId, start: i === 0, end: i === chunks.length - 1 };
    heard.push(...(await sequenceStep(http, target.model, chunk, sequence)));
  }
  return heard;
}
