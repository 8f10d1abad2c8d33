import * as grpc from '@grpc/grpc-js';
import type { ServerStat } from '../../deploy/proxy/haproxy-process.js';
import type { ProxyRig } from '../../deploy/proxy/proxy-rig.js';
import { openStream } from '../grpc/stream-client.js';
import { connect } from '../helpers/ws-client.js';
import {
  grpcInfer,
  grpcStep,
  grpcTotal,
  inferenceClient,
  keyed,
  keyOn,
  post,
  stepBody,
  totalOf,
} from './rig-clients.js';
import { sseEvents } from './sse-events.js';

/** One request of the steady load. */
interface Outcome {
  transport: 'rest' | 'grpc';
  ok: boolean;
  servedBy: string | null | undefined;
  /** Whether the drained replica had exited when the request was sent. */
  afterExit: boolean;
  error?: string;
}

/**
 * A rolling restart behind the proxy: SIGTERM on one replica while a steady load of REST and
 * gRPC requests runs through HAProxy and streams of every transport are open on that replica.
 * Registered last by the rig's test file, on its rig (one rig start for both): the first replica
 * is drained and exits. The replicas' `shutdown_grace_period` must outlast the test, so that the
 * drained replica's streams end when the test ends them and never because a busy machine made
 * the test slower than the grace period.
 */
export function testDrainUnderLoad(rigOf: () => ProxyRig): void {
  test('SIGTERM on one replica: no request lost, streams on it go on, the other replica takes the new ones', async () => {
    const rig = rigOf();
    const proxy = rig.proxy.url;
    const [drained, survivor] = rig.replicas as [(typeof rig.replicas)[0], (typeof rig.replicas)[0]];
    const client = inferenceClient(`127.0.0.1:${rig.proxy.port}`);
    const outcomes: Outcome[] = [];
    let exited = false;
    let stopLoad = false;

    // The steady load: unkeyed requests, balanced over whatever replicas the proxy deems up.
    const restWorker = async () => {
      while (!stopLoad) {
        const afterExit = exited;
        try {
          const answer = await post(`${proxy}/v2/models/accumulator/infer`, stepBody(1));
          const ok = answer.status === 200 && totalOf(answer.body) === 1;
          outcomes.push({
            transport: 'rest',
            ok,
            servedBy: answer.servedBy,
            afterExit,
            ...(ok ? {} : { error: `HTTP ${answer.status} ${JSON.stringify(answer.body)}` }),
          });
        } catch (err) {
          outcomes.push({ transport: 'rest', ok: false, servedBy: undefined, afterExit, error: String(err) });
        }
      }
    };
    const grpcWorker = async () => {
      while (!stopLoad) {
        const afterExit = exited;
        try {
          const { reply, servedBy } = await grpcInfer(client, grpcStep(1));
          const ok = grpcTotal(reply) === 1;
          outcomes.push({
            transport: 'grpc',
            ok,
            servedBy,
            afterExit,
            ...(ok ? {} : { error: 'wrong total' }),
          });
        } catch (err) {
          const error = err as grpc.ServiceError;
          outcomes.push({
            transport: 'grpc',
            ok: false,
            servedBy: undefined,
            afterExit,
            error: `${error.code} ${error.details}`,
          });
        }
      }
    };
    const count = (predicate: (o: Outcome) => boolean) => outcomes.filter(predicate).length;
    const load = Promise.all([restWorker(), restWorker(), restWorker(), grpcWorker(), grpcWorker()]);

    try {
      // Both replicas are taking the load.
      await waitFor('both replicas serving REST and gRPC', () =>
        [drained.name, survivor.name].every(
          (name) =>
            count((o) => o.transport === 'rest' && o.servedBy === name) >= 5 &&
            count((o) => o.transport === 'grpc' && o.servedBy === name) >= 5,
        ),
      );

      // Streams of every transport open on the replica about to be drained, each already answering.
      const key = await keyOn(proxy, drained.name);
      // The text model's SSE stream: 400 words, one every 0.5 s, longer than the whole test.
      const prompt = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
      const leave = new AbortController();
      const sse = await fetch(`${proxy}/v2/models/text-model/generate_stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': key, 'x-request-id': 'drain-sse' },
        body: JSON.stringify({ inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: [prompt] }] }),
        signal: leave.signal,
      });
      expect(sse.headers.get('x-served-by')).toBe(drained.name);
      const words = sseEvents(sse);
      expect(await words.atLeast(1)).toBe(true);

      const stream = openStream(client, { metadata: keyed(key), deadlineMs: 120_000 });
      stream.write(grpcStep(1));
      expect(grpcTotal(await stream.next())).toBe(1);
      expect((await stream.headers).get('x-served-by')).toEqual([drained.name]);

      const socket = connect(`${proxy}/v2/models/accumulator/infer_stream?session_id=${key}`);
      await socket.opened;
      const follower = await fetch(`${proxy}/v2/models/accumulator/sessions/${key}/events`);
      expect(follower.headers.get('x-served-by')).toBe(drained.name);
      const followed = sseEvents(follower).all();
      socket.ws.send(JSON.stringify(stepBody(10)));
      expect(totalOf((await socket.next())!)).toBe(10);

      // The window between SIGTERM and the check taking the replica out, held open on purpose:
      // with its check paused the proxy still deems it up, so requests keyed to it reach it.
      await rig.proxy.command(`disable health rest/${drained.name}`);
      drained.process.child.kill('SIGTERM');
      await drained.process.waitForLine(/shutting down/);
      // It answers 503 (REST, SSE) or refuses the connection (gRPC); the proxy replays each on the
      // other replica.
      const rest = await post(`${proxy}/v2/models/accumulator/infer`, stepBody(1), { 'x-session-id': key });
      expect({ status: rest.status, servedBy: rest.servedBy }).toEqual({
        status: 200,
        servedBy: survivor.name,
      });
      expect((await grpcInfer(client, grpcStep(1), keyed(key))).servedBy).toBe(survivor.name);
      const stream503 = await fetch(`${proxy}/v2/models/accumulator/infer_stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': key },
        body: JSON.stringify(stepBody(1)),
      });
      expect({ status: stream503.status, servedBy: stream503.headers.get('x-served-by') }).toEqual({
        status: 200,
        servedBy: survivor.name,
      });
      const replayedEvents = await sseEvents(stream503).all();
      expect(replayedEvents.map((event) => totalOf(JSON.parse(event.data)))).toEqual([1]);
      const replayed = (await rig.proxy.stats()).filter((row) => row.server === drained.name);
      expect(Object.fromEntries(replayed.map((row) => [row.backend, row.redispatches > 0]))).toEqual({
        rest: true,
        sse: true,
        grpc: true,
      });

      // The proxy's readiness check takes it out: it answers 400 while it drains (its port stays
      // open for the follower above, so the check sees the server's answer, not a refused connection).
      await rig.proxy.command(`enable health rest/${drained.name}`);
      const down = await waitForStat(
        rig,
        (row) => row.backend === 'rest' && row.server === drained.name && row.status === 'DOWN',
      );
      expect({ check: down.checkStatus, code: down.checkCode }).toEqual({ check: 'L7STS', code: '400' });
      // A key that hashed to it now lands on the other replica directly.
      expect(
        (await post(`${proxy}/v2/models/accumulator/infer`, stepBody(1), { 'x-session-id': key })).servedBy,
      ).toBe(survivor.name);

      // Its open streams go on: the text model's stream brings more words (it has hundreds left:
      // it cannot have ended), gRPC and WebSocket still take new messages, interleaved.
      expect(await words.atLeast(words.received.length + 1)).toBe(true);
      for (const { step, total } of [
        { step: 2, total: 3 },
        { step: 3, total: 6 },
      ]) {
        stream.write(grpcStep(step));
        expect(grpcTotal(await stream.next())).toBe(total);
        socket.ws.send(JSON.stringify(stepBody(step * 10)));
        expect(totalOf((await socket.next())!)).toBe(total * 10);
      }
      stream.end();
      expect(await stream.rest()).toEqual([]);
      expect(await stream.status).toEqual({ code: grpc.status.OK, details: 'OK' });
      socket.ws.send(Buffer.alloc(0));
      expect((await socket.closed).code).toBe(1000);
      expect((await followed).map((event) => totalOf(JSON.parse(event.data)))).toEqual([10, 30, 60]);
      // The SSE client leaves; the replica sees it through the proxy and has nothing left to wait for.
      leave.abort();
      await drained.process.waitForLine(
        /(generate_stream 499 .*request_id=drain-sse error="client disconnected")/,
      );
      const text = words.received.map((event) => wordOf(event.data)).join('');
      expect(prompt.startsWith(text)).toBe(true);

      // With its streams done it exits cleanly; the load goes on on the other replica only.
      expect(await drained.process.exited).toBe(0);
      exited = true;
      await waitFor('load served after the exit', () =>
        (['rest', 'grpc'] as const).every((t) => count((o) => o.transport === t && o.afterExit) >= 20),
      );
    } finally {
      stopLoad = true;
      await load;
      client.close();
    }

    const failed = outcomes.filter((o) => !o.ok);
    expect(failed).toEqual([]);
    expect(outcomes.filter((o) => o.afterExit && o.servedBy !== survivor.name)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);
  }, 120_000);
}

/** Waits (polling) until `condition` holds; fails with `what` after a minute. */
async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls the proxy's `show stat` until a row matches. */
async function waitForStat(rig: ProxyRig, match: (row: ServerStat) => boolean): Promise<ServerStat> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const row = (await rig.proxy.stats()).find(match);
    if (row) return row;
    if (Date.now() > deadline)
      throw new Error(`no matching server row in:\n${JSON.stringify(await rig.proxy.stats())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The word of one text-model SSE event. */
function wordOf(data: string): string {
  return (JSON.parse(data) as { outputs: { data: string[] }[] }).outputs[0]!.data[0]!;
}
