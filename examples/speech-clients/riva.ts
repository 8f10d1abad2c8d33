/**
 * The FastAPI + WebSocket + SSE front of Riva, against mlserver-ts: one connection streams the
 * audio in (WebSocket, binary S16LE frames, `?session_id=`), a second one reads the same session's
 * transcripts out (Server-Sent Events from `GET /v2/models/{m}/sessions/{id}/events`). Two
 * connections, one session.
 *
 *   npx tsx examples/speech-clients/riva.ts <file.wav|file.raw> [--url http://localhost:8080]
 *     [--model asr] [--session <id>] [--frame-ms 60] [--speed 1]
 *
 * Prints, from the SSE connection, `partial: <text>` and `final: <text>` as they arrive, then
 * `transcript: <finals joined>`.
 */
import { randomUUID } from 'node:crypto';
import { readPcm } from './audio-file.js';
import { commandLine } from './command-line.js';
import { endpoints } from './endpoints.js';
import { follow } from './sse-follow.js';
import { streamAudio } from './ws-stream.js';

const USAGE =
  'usage: riva.ts <file.wav|file.raw> [--url URL] [--model asr] [--session ID] [--frame-ms 60] [--speed 1]';
const { values, positionals } = commandLine(USAGE, {
  url: { type: 'string' },
  model: { type: 'string', default: 'asr' },
  session: { type: 'string' },
  'frame-ms': { type: 'string', default: '60' },
  speed: { type: 'string', default: '1' },
});
const file = positionals[0];
if (!file) {
  console.error(USAGE);
  process.exit(2);
}
const { http } = endpoints(values);
const model = values.model!;
const sessionId = values.session ?? randomUUID();
let follower: ReturnType<typeof follow> | undefined;
const sent = await streamAudio(http, model, await readPcm(file), {
  frameSamples: Math.round((Number(values['frame-ms']) * 16000) / 1000),
  speed: Number(values.speed),
  sessionId,
  // The session exists once the WebSocket is open: follow it before the first frame goes out.
  async onOpen() {
    follower = follow(http, model, sessionId, (heard) => {
      console.log(`${heard.isFinal ? 'final' : 'partial'}: ${heard.text}`);
    });
    await follower.ready;
  },
});
const heard = await follower!.done;
for (const error of sent.errors) console.error(`error: ${error}`);
const finals = heard.filter((h) => h.isFinal && h.text !== '');
console.log(`transcript: ${finals.map((h) => h.text).join(' ')}`);
if (sent.code !== 1000) {
  console.error(`the server closed the audio stream with ${sent.code} ${sent.reason}`);
  process.exit(1);
}
