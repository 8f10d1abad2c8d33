/**
 * CAIMAN-ASR's simple client, against mlserver-ts: raw S16LE audio in 60 ms binary frames over
 * one WebSocket, sent in real time; partial transcripts printed as they arrive, interleaved with
 * the sending; a blank frame ends the audio; the final transcripts, then the server closes.
 *
 *   npx tsx examples/speech-clients/caiman.ts <file.wav|file.raw> [--url http://localhost:8080]
 *     [--model asr] [--frame-ms 60] [--speed 1]
 *
 * Prints `partial <seconds sent>s: <text>` while streaming, `final <seconds sent>s: <text>` for
 * each utterance, and `transcript: <finals joined>` at the end.
 */
import { readPcm } from './audio-file.js';
import { commandLine } from './command-line.js';
import { endpoints } from './endpoints.js';
import { streamAudio } from './ws-stream.js';

const USAGE = 'usage: caiman.ts <file.wav|file.raw> [--url URL] [--model asr] [--frame-ms 60] [--speed 1]';
const { values, positionals } = commandLine(USAGE, {
  url: { type: 'string' },
  model: { type: 'string', default: 'asr' },
  'frame-ms': { type: 'string', default: '60' },
  speed: { type: 'string', default: '1' },
});
const file = positionals[0];
if (!file) {
  console.error(USAGE);
  process.exit(2);
}
const { http } = endpoints(values);
const frameMs = Number(values['frame-ms']);
const result = await streamAudio(http, values.model!, await readPcm(file), {
  frameSamples: Math.round((frameMs * 16000) / 1000),
  speed: Number(values.speed),
  onHeard(heard, sent) {
    console.log(`${heard.isFinal ? 'final' : 'partial'} ${sent.toFixed(2)}s: ${heard.text}`);
  },
});
for (const error of result.errors) console.error(`error: ${error}`);
const finals = result.heard.filter((h) => h.isFinal && h.text !== '');
console.log(`transcript: ${finals.map((h) => h.text).join(' ')}`);
if (result.code !== 1000) {
  console.error(`the server closed the stream with ${result.code} ${result.reason}`);
  process.exit(1);
}
