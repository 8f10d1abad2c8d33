/**
 * The DeepSpeech WebSocket service's client, against mlserver-ts: the whole WAV file goes out as
 * one binary message, the transcription comes back as `{"text": …, "time": …}`.
 *
 *   npx tsx examples/speech-clients/deepspeech.ts <file.wav> [--url http://localhost:8080] [--model asr-wav]
 *
 * The `asr-wav` model's `session.binary_input` is its BYTES input `wav`, so a binary frame is one
 * whole WAV file (header and all), which the runtime decodes. (The `asr` model's binary frames
 * are raw S16LE PCM instead, for live audio.) An empty frame ends the input; the model then
 * sends one final transcript per utterance and the server closes the socket. Prints one JSON
 * line: `text` is the utterances joined, `time` the seconds from sending the file to the last
 * transcript (DeepSpeech's server reports its own inference time there; this is what the client
 * waited).
 */
import { readFile } from 'node:fs/promises';
import { commandLine } from './command-line.js';
import { endpoints, streamUrl } from './endpoints.js';
import { parseMessage } from './transcripts.js';
import { openSocket, send } from './ws-stream.js';

const USAGE = 'usage: deepspeech.ts <file.wav> [--url URL] [--model asr-wav]';
const { values, positionals } = commandLine(USAGE, {
  url: { type: 'string' },
  model: { type: 'string', default: 'asr-wav' },
});
const file = positionals[0];
if (!file) {
  console.error(USAGE);
  process.exit(2);
}
const { http } = endpoints(values);
const audio = await readFile(file);
const socket = await openSocket(streamUrl(http, values.model!));
const texts: string[] = [];
const errors: string[] = [];
const started = performance.now();
let answered = started;
socket.on('message', (data) => {
  const message = parseMessage(data.toString());
  if (message.error) errors.push(message.error);
  for (const heard of message.heard) if (heard.isFinal && heard.text !== '') texts.push(heard.text);
  answered = performance.now();
});
const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
await send(socket, audio);
await send(socket, Buffer.alloc(0));
const code = await closed;
if (errors.length > 0 || code !== 1000) {
  console.error(`transcription failed (close ${code}): ${errors.join('; ')}`);
  process.exit(1);
}
console.log(JSON.stringify({ text: texts.join(' '), time: (answered - started) / 1000 }));
