import { type Heard, type OutputValues, transcriptsOf } from './transcripts.js';

/**
 * REST `infer` with a batch of whole WAV files, in Triton's binary tensor extension (what
 * tritonclient.http sends by default): a JSON header naming the input `audio` BYTES [n] and its
 * `binary_data_size`, then the elements, each a 4-byte little-endian length and the file's bytes.
 */
export async function inferWavBatch(
  http: string,
  model: string,
  id: string,
  files: readonly Uint8Array[],
): Promise<Heard[]> {
  const blobs: Buffer[] = [];
  for (const file of files) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(file.byteLength);
    blobs.push(length, Buffer.from(file.buffer, file.byteOffset, file.byteLength));
  }
  const data = Buffer.concat(blobs);
  const header = Buffer.from(
    JSON.stringify({
      id,
      inputs: [
        {
          name: 'audio',
          datatype: 'BYTES',
          shape: [files.length],
          parameters: { binary_data_size: data.byteLength },
        },
      ],
    }),
  );
  return post(`${http}/v2/models/${encodeURIComponent(model)}/infer`, Buffer.concat([header, data]), {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(header.byteLength),
  });
}

/**
 * One step of a Triton sequence over REST `infer`: S16LE samples as INT16 (binary extension), with
 * `sequence_id`, `sequence_start` and `sequence_end` in the request's parameters. The server runs
 * the steps of one id in order in one session; the model answers each step once with the
 * transcripts its audio produced (and the last step with those the end of the audio produced).
 */
export async function sequenceStep(
  http: string,
  model: string,
  pcm: Int16Array,
  sequence: { id: number; start: boolean; end: boolean },
): Promise<Heard[]> {
  const header = Buffer.from(
    JSON.stringify({
      parameters: { sequence_id: sequence.id, sequence_start: sequence.start, sequence_end: sequence.end },
      inputs: [
        {
          name: 'audio',
          datatype: 'INT16',
          shape: [pcm.length],
          parameters: { binary_data_size: pcm.byteLength },
        },
      ],
    }),
  );
  const body = Buffer.concat([header, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]);
  return post(`${http}/v2/models/${encodeURIComponent(model)}/infer`, body, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(header.byteLength),
  });
}

async function post(url: string, body: Buffer, headers: Record<string, string>): Promise<Heard[]> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${text}`);
  return transcriptsOf((JSON.parse(text) as { outputs: OutputValues[] }).outputs);
}
