import WebSocket from 'ws';
import { type LatencySummary, summariseLatencies } from '../stats.js';

/** N WebSocket sessions, each sending one audio window per period in real time. */
export interface RealtimeOptions {
  /** `ws://host:port/v2/models/<model>/infer_stream` */
  url: string;
  sessions: number;
  /** Bytes of each binary frame (512 FP32 samples: 2,048). */
  frame: Uint8Array;
  /** Milliseconds between two frames of a session (32 ms: 512 samples at 16 kHz). */
  periodMs: number;
  warmupMs: number;
  durationMs: number;
}

/** What real time looked like from the clients. */
export interface RealtimeResult {
  /** Frames sent in the measured window. */
  sent: number;
  /** Responses received in the measured window. */
  received: number;
  /** Frames waiting for their response at the end: a backlog that grew says the server fell behind. */
  backlogAtEnd: number;
  backlogAtMiddle: number;
  /** Error messages and sessions that closed early. */
  errors: number;
  /** Frame sent → its response received, ms (measured window only). */
  latency: LatencySummary;
}

interface Client {
  ws: WebSocket;
  /** Send times of frames still waiting for their response, oldest first. */
  pending: number[];
  next: number;
}

/**
 * Opens the sessions, then sends each session's frames on its own schedule (phases spread over
 * the period, so the load is even) from one 2 ms ticker; a frame due while its socket is still
 * buffering is sent anyway (the client does not slow down: real time does not wait). Measures
 * each frame's time to its response, in order per session.
 */
export async function runRealtimeSessions(options: RealtimeOptions): Promise<RealtimeResult> {
  const clients: Client[] = [];
  let errors = 0;
  let measuring = false;
  const latencies: number[] = [];
  let received = 0;
  let sent = 0;
  const opened: Promise<void>[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const ws = new WebSocket(options.url, { perMessageDeflate: false });
    const client: Client = { ws, pending: [], next: 0 };
    clients.push(client);
    ws.on('message', (data, isBinary) => {
      const at = client.pending.shift();
      if (isBinary || at === undefined) return;
      const text = data.toString();
      if (text.startsWith('{"error"')) errors++;
      if (!measuring) return;
      received++;
      latencies.push(performance.now() - at);
    });
    ws.on('close', () => {
      if (measuring) errors++;
    });
    ws.on('error', () => undefined);
    opened.push(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
    );
    // Open in small groups: a thousand handshakes at once are a connection storm, not real time.
    if (i % 50 === 49) await Promise.all(opened.slice(-50));
  }
  await Promise.all(opened);
  const start = performance.now();
  clients.forEach((client, i) => {
    client.next = start + (i / clients.length) * options.periodMs;
  });
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  let backlogAtMiddle = 0;
  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const now = performance.now();
      if (!measuring && now >= measureFrom) measuring = true;
      if (measuring && backlogAtMiddle === 0 && now >= measureFrom + options.durationMs / 2)
        backlogAtMiddle = backlog(clients);
      if (now >= end) {
        clearInterval(ticker);
        resolve();
        return;
      }
      for (const client of clients) {
        while (client.next <= now) {
          if (client.ws.readyState !== WebSocket.OPEN) break;
          client.pending.push(performance.now());
          client.ws.send(options.frame, { binary: true });
          if (measuring) sent++;
          client.next += options.periodMs;
        }
      }
    }, 2);
  });
  const backlogAtEnd = backlog(clients);
  measuring = false;
  for (const client of clients) client.ws.terminate();
  return { sent, received, backlogAtEnd, backlogAtMiddle, errors, latency: summariseLatencies(latencies) };
}

function backlog(clients: readonly Client[]): number {
  return clients.reduce((n, client) => n + client.pending.length, 0);
}
