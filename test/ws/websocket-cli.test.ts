import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { connect } from '../helpers/ws-client.js';

const SESSIONS = path.resolve(import.meta.dirname, '../fixtures/sessions');
const MB = 1024 * 1024;

/** Resident set size of a process, in bytes. */
function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** Backpressure over WebSocket, measured on the real CLI process. */
describe('WebSocket backpressure, through the real CLI', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(SESSIONS, { models: ['pcm-slow', 'echo-stream'] });
  }, 60_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  /**
   * Streams `frames` frames of `samples` INT16 samples to `model` as fast as the client can;
   * returns the server's peak RSS growth and what the client could not hand over at once.
   */
  async function flood(
    model: string,
    frames: number,
    samples: number,
  ): Promise<{ growth: number; held: number }> {
    const pid = server.cli.child.pid!;
    const before = rss(pid);
    const socket = connect(`${server.http}/v2/models/${model}/infer_stream`);
    await socket.opened;
    const frame = new Int16Array(samples).fill(1);
    for (let i = 0; i < frames; i++) socket.ws.send(frame, { binary: true });
    socket.ws.send(Buffer.alloc(0), { binary: true });
    const held = socket.ws.bufferedAmount;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 50);
    const responses = await socket.rest();
    clearInterval(sampler);
    expect(responses).toHaveLength(frames);
    expect(responses.every((r) => (r.outputs as { data: number[] }[])[0]!.data[0] === samples)).toBe(true);
    return { growth: peak - before, held };
  }

  test('a producer faster than the model is slowed; the server’s memory stays bounded', async () => {
    // A cold process grows its heap on the first flood whatever it keeps: warm it up first.
    await flood('pcm', 20_000, 1024);
    // 100 MiB in 256 KiB frames to a model that takes 10 ms a frame (4 s in all).
    const slow = await flood('pcm-slow', 400, 128 * 1024);
    // The client could not hand its data over: the server stopped reading.
    expect(slow.held).toBeGreaterThan(50 * MB);
    // 400 MiB in 2 KiB frames (what an audio client sends).
    const many = await flood('pcm', 200_000, 1024);
    // Measured warm: 28-67 MB for 200 to 600 MB sent in 2 KiB frames on a busy machine (the
    // peak follows the garbage collector, not the volume); before a leak was fixed: 122 MB for
    // 100 MB sent and 271 MB for 300 MB.
    console.log(
      `WebSocket flood, server RSS growth: ${(slow.growth / MB).toFixed(0)} MB (256 KiB frames), ${(many.growth / MB).toFixed(0)} MB (2 KiB frames)`,
    );
    expect(slow.growth).toBeLessThan(64 * MB);
    expect(many.growth).toBeLessThan(96 * MB);
  }, 180_000);

  test('a reader slower than the model pauses the model; the server’s memory stays bounded', async () => {
    const pid = server.cli.child.pid!;
    const socket = connect(`${server.http}/v2/models/echo-stream/infer_stream`);
    await socket.opened;
    const big = { name: 'x', shape: [65536], datatype: 'INT32', data: new Array(65536).fill(7) };
    socket.ws.send(JSON.stringify({ parameters: { repeat: 100000 }, inputs: [big] }));
    await socket.next();
    const rawSocket = (socket.ws as unknown as { _socket: import('node:net').Socket })._socket;
    rawSocket.pause();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const paused = rss(pid);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Each response is ~300 KB of JSON: without backpressure 2 s would buffer hundreds of MB.
    expect(rss(pid) - paused).toBeLessThan(32 * MB);
    socket.ws.terminate();
    await socket.closed;
  }, 60_000);
});
