import http from 'node:http';
import type { OpOutcome } from './closed-loop.js';

/** Counts complete SSE events (`data:` blocks ended by a blank line) across chunk boundaries. */
export class SseEventCounter {
  private pending = '';
  events = 0;
  errors = 0;

  /** Feeds a chunk; returns how many events it completed. */
  push(chunk: string): number {
    this.pending += chunk;
    const blocks = this.pending.split('\n\n');
    this.pending = blocks.pop() ?? '';
    let completed = 0;
    for (const block of blocks) {
      if (/^event: ?error$/m.test(block)) this.errors++;
      else if (/^data:/m.test(block)) completed++;
    }
    this.events += completed;
    return completed;
  }
}

/** Where and what to POST for a stream. */
export interface SseTarget {
  url: URL;
  body: string;
  agent: http.Agent;
}

/** A keep-alive agent for `concurrency` streams at a time (each worker reuses its connection). */
export function sseAgent(concurrency: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: concurrency });
}

/** One `generate_stream` POST read to its end: ok when it answered 200 with `expected` events and no error event. */
export function sseStreamOp(target: SseTarget, expected: number): () => Promise<OpOutcome> {
  return () =>
    new Promise((resolve) => {
      const begun = performance.now();
      const counter = new SseEventCounter();
      let firstMessageMs: number | undefined;
      const req = http.request(
        target.url,
        { method: 'POST', agent: target.agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (counter.push(chunk) > 0) firstMessageMs ??= performance.now() - begun;
          });
          res.on('end', () =>
            resolve({
              ok: res.statusCode === 200 && counter.errors === 0 && counter.events === expected,
              messages: counter.events,
              firstMessageMs,
            }),
          );
          res.on('error', () => resolve({ ok: false }));
        },
      );
      req.on('error', () => resolve({ ok: false }));
      req.end(target.body);
    });
}
