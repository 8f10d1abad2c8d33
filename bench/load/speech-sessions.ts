import WebSocket from 'ws';
import { summariseLatencies } from '../stats.js';
import { outputsKey, type Reference } from './speech-reference.js';

/** One session's audio and what it must get back. */
export interface SessionScript {
  /** Binary frames (raw S16LE or FP32 bytes, the model's `session.binary_input`), sent one per period. */
  frames: readonly Buffer[];
  /** What comes back and which frame produces it; undefined: one response per frame (a stepwise model). */
  reference: Reference | undefined;
}

/** What one load step sends. */
export interface StepPlan {
  /** `ws://…/v2/models/{m}/infer_stream`. */
  url: string;
  sessions: number;
  /** Audio each session sends (scripts are shared round-robin). */
  scripts: readonly SessionScript[];
  /** Milliseconds of audio per frame: frame i of a session is sent i × frameMs after its start. */
  frameMs: number;
  /** Waits after every session is open, before the first frame (the server creates per-session state). */
  settle(): Promise<void>;
  /** Told just before the first frame is sent and once every session has closed (e.g. to read CPU times). */
  onWindow?(phase: 'start' | 'end'): void;
}

/** One result's timing: when its triggering frame was sent (ms from the step's start) and its latency. */
export interface Sample {
  sentAt: number;
  latencyMs: number;
  /** The response's `is_final` (a transcript), undefined for models without one. */
  final?: boolean;
}

/** What a step measured. */
export interface StepResult {
  sessions: number;
  samples: Sample[];
  /** Results that differ from the reference, sessions closed with another code than 1000, refused upgrades, `{"error"}` messages. */
  errors: number;
  firstError?: string;
  /** Frames sent in all. */
  frames: number;
  /** The load generator's own lateness: how far its sends fell behind their schedule, ms (median and 99th percentile)… */
  sendLagP50Ms: number;
  sendLagP99Ms: number;
  /** …and the largest. */
  sendLagMaxMs: number;
  /** Milliseconds from the first frame to the close of the last session. */
  windowMs: number;
}

/** Ticks of the shared sender: every session's due frames go out on each tick. */
const TICK_MS = 2;

interface Live {
  socket: WebSocket;
  script: SessionScript;
  /** Milliseconds from the step's start at which frame 0 is due. */
  offset: number;
  next: number;
  sentAt: number[];
  received: number;
  closed: Promise<void>;
}

/**
 * Opens `sessions` WebSockets, then streams every session's frames paced in real time (session k
 * starts k/N of a frame period after the first, so sends spread evenly), an empty frame after the
 * last; records each response's frame-to-result latency against the reference and checks its
 * outputs; resolves when every session has closed.
 */
export async function runStep(plan: StepPlan): Promise<StepResult> {
  const result: StepResult = {
    sessions: plan.sessions,
    samples: [],
    errors: 0,
    frames: 0,
    sendLagP50Ms: Number.NaN,
    sendLagP99Ms: Number.NaN,
    sendLagMaxMs: Number.NaN,
    windowMs: 0,
  };
  const lags: number[] = [];
  const fail = (why: string) => {
    result.errors++;
    result.firstError ??= why;
  };
  const live: Live[] = [];
  try {
    for (let k = 0; k < plan.sessions; k++) {
      const script = plan.scripts[k % plan.scripts.length]!;
      live.push(await open(plan.url, script, (k / plan.sessions) * plan.frameMs, fail));
    }
  } catch (err) {
    for (const session of live) session.socket.terminate();
    fail(err instanceof Error ? err.message : String(err));
    return result;
  }
  await plan.settle();
  plan.onWindow?.('start');
  const start = performance.now();
  for (const session of live) listen(session, start, result, fail);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now() - start;
      let pending = 0;
      for (const session of live) {
        const { frames } = session.script;
        while (session.next <= frames.length && session.offset + session.next * plan.frameMs <= now) {
          const due = session.offset + session.next * plan.frameMs;
          lags.push(now - due);
          if (session.socket.readyState === WebSocket.OPEN) {
            // The frame after the last is the empty message that ends the input.
            session.socket.send(session.next < frames.length ? frames[session.next]! : Buffer.alloc(0));
          }
          session.sentAt.push(now);
          session.next++;
          result.frames++;
        }
        if (session.next <= frames.length) pending++;
      }
      if (pending === 0) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await Promise.all(live.map((session) => session.closed));
  result.windowMs = performance.now() - start;
  plan.onWindow?.('end');
  const lagSummary = summariseLatencies(lags);
  result.sendLagP50Ms = lagSummary.p50;
  result.sendLagP99Ms = lagSummary.p99;
  result.sendLagMaxMs = lagSummary.max;
  for (const session of live) {
    const expected = session.script.reference?.responses.length ?? session.script.frames.length;
    if (session.received < expected) fail(`a session got ${session.received} of ${expected} responses`);
  }
  return result;
}

function open(
  url: string,
  script: SessionScript,
  offset: number,
  fail: (why: string) => void,
): Promise<Live> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const closed = new Promise<void>((done) =>
      socket.once('close', (code, reason) => {
        if (code !== 1000) fail(`a session closed with ${code} ${reason.toString()}`);
        done();
      }),
    );
    socket.once('open', () => resolve({ socket, script, offset, next: 0, sentAt: [], received: 0, closed }));
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
    socket.on('error', reject);
  });
}

function listen(session: Live, start: number, result: StepResult, fail: (why: string) => void): void {
  const { reference } = session.script;
  session.socket.on('message', (data) => {
    const now = performance.now() - start;
    const index = session.received++;
    const message = JSON.parse(data.toString()) as {
      outputs?: { name: string; data: unknown[] }[];
      error?: string;
    };
    if (message.error !== undefined || !message.outputs) {
      fail(`server error: ${message.error}`);
      return;
    }
    const trigger = reference ? reference.triggers[index] : index;
    if (trigger === undefined) {
      fail(`a session got more responses than the reference (${reference?.responses.length})`);
      return;
    }
    if (reference && outputsKey({ outputs: message.outputs as never }) !== reference.responses[index]) {
      fail(`response ${index} differs from the reference: ${JSON.stringify(message.outputs).slice(0, 200)}`);
    }
    const sentAt = session.sentAt[trigger];
    if (sentAt === undefined) {
      fail(`response ${index} came before its frame ${trigger} was sent`);
      return;
    }
    // A response may carry several transcripts: it is a final one when any of them is.
    const isFinal = message.outputs.find((o) => o.name === 'is_final')?.data;
    result.samples.push({
      sentAt,
      latencyMs: now - sentAt,
      ...(isFinal ? { final: isFinal.some((v) => v === true) } : {}),
    });
  });
}
