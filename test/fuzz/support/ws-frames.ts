import fc from 'fast-check';
import WebSocket from 'ws';
import { applyCorruptions, type Corruption, corruption } from './corruption.js';
import { REQUEST_TIMEOUT_MS } from './fuzz-settings.js';

/** One thing a client does on a WebSocket session. */
export type FrameOp =
  | { kind: 'request'; request: Record<string, unknown> }
  | { kind: 'damaged'; request: Record<string, unknown>; corruptions: Corruption[] }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; size: number }
  | { kind: 'fragments'; request: Record<string, unknown>; cuts: number }
  | { kind: 'empty' }
  | { kind: 'huge'; binary: boolean }
  | { kind: 'ping' };

/** Random frame ops for a model whose valid requests `request` makes. */
export const frameOp = (request: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<FrameOp> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('request' as const), request }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('damaged' as const),
        request: request,
        corruptions: fc.array(corruption, { minLength: 1, maxLength: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        text: fc.oneof(
          fc.string({ unit: 'binary', minLength: 1 }),
          fc.constantFrom('{', '[]', 'null', '"x"', '{}', '\u0000'),
        ),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('binary' as const), size: fc.integer({ min: 1, max: 129 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('fragments' as const),
        request,
        cuts: fc.integer({ min: 1, max: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('empty' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), binary: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ping' as const) }) },
  );

/** What a session saw: the server's messages, how it closed, and whether that took too long. */
export interface SessionRecord {
  messages: string[];
  code: number | 'hang' | 'refused';
  reason: string;
  /** Requests sent as valid JSON before the input ended, by id. */
  valid: Map<string, Record<string, unknown>>;
  /** Frames sent. */
  frames: number;
}

/**
 * Opens a session on `url`, plays the ops (ids `r0`, `r1`, … on the requests), then ends the
 * input with an empty message (or drops the connection when `drop` is set) and waits for the
 * close. `hugeBytes` is one byte past the server's message limit.
 */
export async function playSession(
  url: string,
  ops: readonly FrameOp[],
  options: { drop: boolean; hugeBytes: number },
): Promise<SessionRecord> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'));
  const record: SessionRecord = { messages: [], code: 'hang', reason: '', valid: new Map(), frames: 0 };
  ws.on('message', (data) => record.messages.push(data.toString()));
  ws.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    ws.once('close', (code, reason) => {
      record.code = code;
      record.reason = reason.toString();
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => {
      record.code = 'refused';
      record.reason = String(res.statusCode);
      res.resume();
      resolve();
    });
  });
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))),
    closed.then(() => false),
  ]);
  if (!opened) return record;
  let ended = false;
  const send = (data: string | Buffer, binary: boolean, fin = true) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(data, { binary, fin });
    if (fin) record.frames++;
  };
  for (const [n, op] of ops.entries()) {
    const id = `r${n}`;
    switch (op.kind) {
      case 'request':
        if (!ended) record.valid.set(id, { ...op.request, id });
        send(JSON.stringify({ ...op.request, id }), false);
        break;
      case 'damaged': {
        const bytes = applyCorruptions({ ...op.request, id }, op.corruptions);
        // Damage that leaves nothing is an empty message: it ends the input.
        if (bytes.length === 0) ended = true;
        send(bytes, false);
        break;
      }
      case 'text':
        send(op.text, false);
        break;
      case 'binary':
        send(Buffer.alloc(op.size, 3), true);
        break;
      case 'fragments': {
        const text = Buffer.from(JSON.stringify({ ...op.request, id }));
        if (!ended) record.valid.set(id, { ...op.request, id });
        const step = Math.max(1, Math.ceil(text.length / (op.cuts + 1)));
        for (let at = 0; at < text.length; at += step)
          send(text.subarray(at, at + step), false, at + step >= text.length);
        break;
      }
      case 'empty':
        ended = true;
        send(Buffer.alloc(0), true);
        break;
      case 'huge':
        ended = true;
        send(Buffer.alloc(options.hugeBytes, 0x20), op.binary);
        break;
      case 'ping':
        if (ws.readyState === ws.OPEN) ws.ping();
        break;
    }
  }
  if (options.drop) ws.terminate();
  else send(Buffer.alloc(0), true);
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    ws.terminate();
  }, REQUEST_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
  if (late) record.code = 'hang';
  return record;
}
