import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { connect } from '../helpers/ws-client.js';

/**
 * A runtime in a worker thread streams faster than its client reads: the server's memory stays
 * bounded because the worker is paused (a window of responses in flight), not because anything
 * buffers them. Measured on the real CLI process (worker threads included), as RSS growth.
 */
const COUNTER = path.resolve(import.meta.dirname, '../fixtures/workers/counter');
const MB = 1024 * 1024;

let root: string;
let server: CliServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-stream-'));
  await cp(COUNTER, path.join(root, 'counter'), { recursive: true });
  server = await startCliServer(root, { models: ['counter'], env: { MLSERVER_PARALLEL_WORKERS: '1' } });
}, 60_000);

afterAll(async () => {
  const code = await server?.stop();
  await rm(root, { recursive: true, force: true });
  expect(code).toBe(0);
});

/** Resident set size of a process, in bytes. */
function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** The server's RSS growth over `ms` while the client reads nothing: peak minus the first sample. */
async function growthWhilePaused(ms: number): Promise<number> {
  const pid = server.cli.child.pid!;
  await sleep(500); // the pipeline fills up
  const start = rss(pid);
  let peak = start;
  for (let waited = 0; waited < ms; waited += 100) {
    await sleep(100);
    peak = Math.max(peak, rss(pid));
  }
  return peak - start;
}

// Each response carries 256 KiB of payload (about 1 MB of JSON): unbounded, a runtime that
// yields as fast as it can would fill hundreds of MB per second.
const streamRequest = { parameters: { bytes: 256 * 1024 }, inputs: [] };

describe('streaming from a worker to a slow client, through the real CLI', () => {
  test('WebSocket: a reader that stops pauses the runtime in its worker; memory stays bounded', async () => {
    const socket = connect(`${server.http}/v2/models/counter/infer_stream`);
    await socket.opened;
    socket.ws.send(JSON.stringify(streamRequest));
    const first = await socket.next();
    expect((first!.outputs as { name: string; data: number[] }[])[0]!.data).toEqual([0]);
    const raw = (socket.ws as unknown as { _socket: Socket })._socket;
    raw.pause();
    const growth = await growthWhilePaused(3000);
    raw.resume();
    // The stream goes on where it was once the reader reads again.
    const next = await socket.next();
    expect((next!.outputs as { name: string; data: number[] }[])[0]!.data).toEqual([1]);
    socket.ws.terminate();
    await socket.closed;
    expect(growth).toBeLessThan(64 * MB);
  }, 60_000);

  test('SSE: a reader that reads slowly keeps memory bounded, and every response arrives in order', async () => {
    const url = new URL(`${server.http}/v2/models/counter/generate_stream`);
    const body = JSON.stringify({ ...streamRequest, parameters: { ...streamRequest.parameters, count: 40 } });
    const events: number[] = [];
    let growth = 0;
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        const parser = createParser({
          onEvent: (event) => {
            const data = JSON.parse(event.data) as { outputs: { data: number[] }[] };
            events.push(data.outputs[0]!.data[0]!);
            if (events.length !== 1) return;
            // Stop reading for a while, then read on.
            res.pause();
            growthWhilePaused(2000).then((g) => {
              growth = g;
              res.resume();
            }, reject);
          },
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(events).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(growth).toBeLessThan(64 * MB);
  }, 60_000);
});
