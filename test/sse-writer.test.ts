import type { ServerResponse } from 'node:http';
import { jest } from '@jest/globals';
import { KEEP_ALIVE_MS, SseWriter } from '../server/rest/sse-writer.js';

/** What SseWriter uses of a response, recorded. */
class FakeResponse {
  head: [number, Record<string, string>] | undefined;
  flushed = false;
  written: string[] = [];
  destroyed = false;
  writableEnded = false;
  writeHead(status: number, headers: Record<string, string>) {
    this.head = [status, headers];
    return this;
  }
  flushHeaders() {
    this.flushed = true;
  }
  write(chunk: string) {
    this.written.push(chunk);
    return true;
  }
  end() {
    this.writableEnded = true;
  }
}

const open = (headers: Record<string, string> = {}, flush = false) => {
  const res = new FakeResponse();
  return { res, sse: SseWriter.open(res as unknown as ServerResponse, headers, flush) };
};

describe('the lean SSE writer', () => {
  // The keep-alive timer is shared by the module: its test runs first, on fake timers.
  afterEach(() => jest.useRealTimers());

  test('one shared timer pings open streams every 15 s; ended and gone ones are left alone', () => {
    jest.useFakeTimers();
    const a = open();
    const b = open();
    const c = open();
    b.sse.end();
    c.res.destroyed = true;
    jest.advanceTimersByTime(KEEP_ALIVE_MS);
    expect(a.res.written).toEqual([':\n\n']);
    expect(b.res.written).toEqual([]);
    expect(c.res.written).toEqual([]);
    jest.advanceTimersByTime(KEEP_ALIVE_MS);
    expect(a.res.written).toEqual([':\n\n', ':\n\n']);
    a.sse.end();
    c.sse.end();
    expect(jest.getTimerCount()).toBe(1);
    // With no stream open, the timer stops at its next tick.
    jest.advanceTimersByTime(KEEP_ALIVE_MS);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('the head: better-sse’s headers and the first response’s, written with the first event', async () => {
    const { res, sse } = open({ 'x-model': 'm' });
    expect(res.head).toEqual([
      200,
      {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'private, no-cache, no-store, no-transform, must-revalidate, max-age=0',
        Connection: 'keep-alive',
        Pragma: 'no-cache',
        'X-Accel-Buffering': 'no',
        'x-model': 'm',
      },
    ]);
    expect(res.flushed).toBe(false);
    const signal = new AbortController().signal;
    await sse.send('{"a":1}', signal);
    await sse.sendError('it broke', signal);
    sse.end();
    // One write per event: MLServer's `data: <json>` and better-sse's `event:error`.
    expect(res.written).toEqual(['data: {"a":1}\n\n', 'event:error\ndata: {"error":"it broke"}\n\n']);
    expect(res.writableEnded).toBe(true);
    const flushed = open({}, true);
    expect(flushed.res.flushed).toBe(true);
    flushed.sse.end();
  });

  test('a write the socket cannot take waits for drain, or for the call to end', async () => {
    const res = new FakeResponse();
    const emitter = new (await import('node:events')).EventEmitter();
    const full = Object.assign(emitter, {
      ...res,
      writeHead: res.writeHead.bind(res),
      flushHeaders: () => undefined,
      write: () => false,
      end: () => undefined,
    });
    const sse = SseWriter.open(full as unknown as ServerResponse, {});
    let done = false;
    const sent = sse.send('{}', new AbortController().signal).then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    full.emit('drain');
    await sent;
    expect(done).toBe(true);
    const aborted = new AbortController();
    const waiting = sse.send('{}', aborted.signal);
    aborted.abort();
    await waiting;
    sse.end();
  });
});
