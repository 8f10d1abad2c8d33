// Streams a 16 kHz mono 16-bit WAV file into silero-vad over a WebSocket in real time, one
// 512-sample window (32 ms) per binary frame, and prints where speech starts and stops
// (speech probability ≥ 0.5). The model's state stays on the server.
// Usage: node examples/clients/vad-websocket.mjs <file.wav> [ws://localhost:8080]
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [file, server = 'ws://localhost:8080'] = process.argv.slice(2);
const wav = readFileSync(file);
const pcm = wav.subarray(wav.indexOf('data') + 8); // the samples, 16-bit little-endian
const ws = new WebSocket(`${server}/v2/models/silero-vad/infer_stream?session_id=demo`);

ws.on('open', () => {
  let at = 0;
  const timer = setInterval(() => {
    if (at + 1024 > pcm.length) {
      clearInterval(timer);
      ws.send(''); // an empty message ends the input
      return;
    }
    const window = new Float32Array(512);
    for (let i = 0; i < 512; i++) window[i] = pcm.readInt16LE(at + 2 * i) / 32768;
    ws.send(window); // a binary frame: the FP32 samples, little-endian
    at += 1024;
  }, 32);
});

let window = 0;
let speaking = false;
ws.on('message', (message) => {
  const response = JSON.parse(message);
  if (response.error) return console.error('error:', response.error);
  const probability = response.outputs[0].data[0];
  if (probability >= 0.5 !== speaking) {
    speaking = !speaking;
    console.log(`${(window * 0.032).toFixed(3)} s ${speaking ? 'speech' : 'silence'}`);
  }
  window++;
});
ws.on('close', (code, reason) => console.log(`closed ${code} ${reason}`));
