/**
 * Streams the notebook's request to the text model and prints each word as it arrives.
 *
 *   npx tsx examples/text-model/client.ts [http://localhost:8080]
 *
 * Without an argument it talks to localhost on MLSERVER_HTTP_PORT (else 8080), the port the
 * server reads from the same variable.
 */
import { readFile } from 'node:fs/promises';
import { createParser } from 'eventsource-parser';
import { type InferenceResponse, StringCodec } from 'mlserver-ts';

const base = process.argv[2] ?? `http://localhost:${process.env.MLSERVER_HTTP_PORT || '8080'}`;
const body = await readFile(new URL('./generate-request.json', import.meta.url), 'utf8');

const res = await fetch(`${base}/v2/models/text-model/generate_stream`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
});
if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);

const parser = createParser({
  onEvent(event) {
    if (event.event === 'error') throw new Error(`stream failed: ${event.data}`);
    const response = JSON.parse(event.data) as InferenceResponse;
    console.log(StringCodec.decodeOutput(response.outputs[0]!).join(''));
  },
});
const decoder = new TextDecoder();
for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
