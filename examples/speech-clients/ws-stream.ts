import WebSocket from 'ws';
import { pcmBytes } from './audio-file.js';
import { streamUrl } from './endpoints.js';
import { paced } from './pacing.js';
import { type Heard, parseMessage } from './transcripts.js';

/** How a WebSocket audio stream is sent. */
export interface StreamOptions {
  /** Samples per binary frame (960: 60 ms at 16 kHz). */
  frameSamples: number;
  /** 1: real time; 2: twice as fast; 0: as fast as the socket takes them. */
  speed: number;
  /** Names the session so that a second connection can follow it (`?session_id=`). */
  sessionId?: string;
  /** Called with each transcript as it arrives, and the seconds of audio sent by then. */
  onHeard?(heard: Heard, secondsSent: number): void;
  /** Called once the socket is open, before the first frame (to start a follower). */
  onOpen?(): Promise<void> | void;
}

/** What a stream got back. */
export interface StreamResult {
  heard: Heard[];
  /** `{"error"}` messages of the server. */
  errors: string[];
  /** The close code (1000: the session ended normally). */
  code: number;
  reason: string;
}

/**
 * Streams `pcm` to a model over WebSocket as binary frames of raw S16LE (the model's
 * `session.binary_input`), paced like a live source, while reading responses as they come; an
 * empty frame then ends the input, and the server closes the socket once the last response is
 * sent.
 */
export async function streamAudio(
  http: string,
  model: string,
  pcm: Int16Array,
  options: StreamOptions,
): Promise<StreamResult> {
  const socket = await openSocket(streamUrl(http, model, options.sessionId));
  const heard: Heard[] = [];
  const errors: string[] = [];
  let sent = 0;
  socket.on('message', (data) => {
    const message = parseMessage(data.toString());
    if (message.error) errors.push(message.error);
    for (const h of message.heard) {
      heard.push(h);
      options.onHeard?.(h, sent / 16000);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await options.onOpen?.();
  const frameMs = (options.frameSamples / 16000) * 1000;
  const pieces: Int16Array[] = [];
  for (let at = 0; at < pcm.length; at += options.frameSamples)
    pieces.push(pcm.subarray(at, at + options.frameSamples));
  for await (const frame of paced(pieces, frameMs, options.speed)) {
    if (socket.readyState !== WebSocket.OPEN) break;
    await send(socket, pcmBytes(frame));
    sent += frame.length;
  }
  if (socket.readyState === WebSocket.OPEN) await send(socket, Buffer.alloc(0)); // the blank frame: end of audio
  const { code, reason } = await closed;
  return { heard, errors, code, reason };
}

/** Opens a WebSocket; a refused upgrade rejects with the server's status and `{"error"}`. */
export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => reject(new Error(`WebSocket refused: HTTP ${response.statusCode} ${body}`)));
    });
    socket.once('error', reject);
  });
}

/** Sends one message and waits until `ws` has handed it to the socket (backpressure). */
export function send(socket: WebSocket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(data, { binary: typeof data !== 'string' }, (err) => (err ? reject(err) : resolve()));
  });
}
