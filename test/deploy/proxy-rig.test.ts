import * as grpc from '@grpc/grpc-js';
import type { IncomingMessage } from 'node:http';
import { type ProxyRig, startProxyRig } from '../../deploy/proxy/proxy-rig.js';
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
import { testDrainUnderLoad } from './drain-under-load.js';

/**
 * The two-replica rig (deploy/proxy): two real CLI processes behind HAProxy on loopback. Streams
 * of every transport pass through the proxy unbuffered and interleaved, and a key (header, or
 * the session id in the URL) keeps a session or a Triton sequence on the replica holding its state;
 * last, SIGTERM on one replica under load loses no request (drain-under-load.ts). One rig for all:
 * starting two replicas and HAProxy is most of this file's time.
 */
describe('two replicas behind HAProxy', () => {
  let rig: ProxyRig;
  let proxy: string;
  let grpcClient: ReturnType<typeof inferenceClient>;

  beforeAll(async () => {
    // A grace period longer than any test here: see testDrainUnderLoad.
    rig = await startProxyRig({ checkInterval: '500ms', env: { MLSERVER_SHUTDOWN_GRACE_PERIOD: '110' } });
    proxy = rig.proxy.url;
    grpcClient = inferenceClient(`127.0.0.1:${rig.proxy.port}`);
  }, 120_000);

  afterAll(async () => {
    grpcClient?.close();
    await rig?.stop();
    for (const replica of rig?.replicas ?? []) expect(await replica.process.exited).toBe(0);
  }, 60_000);

  test('requests without a key are spread over both replicas', async () => {
    const servedBy = new Set<string | null>();
    for (let i = 0; i < 6; i++)
      servedBy.add((await post(`${proxy}/v2/models/accumulator/infer`, stepBody(1))).servedBy);
    expect([...servedBy].sort()).toEqual(['replica1', 'replica2']);
    const unary = await fetch(`${proxy}/v2/models/accumulator/infer`, {
      method: 'POST',
      body: JSON.stringify(stepBody(1)),
    });
    await unary.arrayBuffer();
    expect(unary.headers.get('x-backend')).toBe('rest');
  });

  test("SSE: the text model's words pass the proxy while it makes them; a client leaving reaches the replica", async () => {
    // 400 words, one every 0.5 s: the stream would last 200 s. Its first words reaching the client
    // show the proxy holds nothing back until the end; the test never waits for that end.
    const prompt = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const controller = new AbortController();
    const res = await fetch(`${proxy}/v2/models/text-model/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'rig-sse-left' },
      body: JSON.stringify({ inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: [prompt] }] }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // Through the backend that sends each event at once (see the template's `backend sse`).
    expect(res.headers.get('x-backend')).toBe('sse');
    const servedBy = res.headers.get('x-served-by');
    const replica = rig.replicas.find((r) => r.name === servedBy);
    expect(replica).toBeDefined();
    const events = sseEvents(res);
    const words: string[] = [];
    for (let i = 0; i < 2; i++) {
      const event = await events.next();
      words.push((JSON.parse(event!.data) as { outputs: { data: string[] }[] }).outputs[0]!.data[0]!);
    }
    expect(words).toEqual(['w0', ' w1']);

    // The client leaves mid-stream: HAProxy closes its side to the replica, whose runtime is
    // aborted and whose access log records the call as the client's disconnect.
    controller.abort();
    const line = await replica!.process.waitForLine(
      /(generate_stream 499 .*request_id=rig-sse-left error="client disconnected")/,
    );
    expect(line).toMatch(/transport=sse model=text-model/);
  }, 30_000);

  test('WebSocket: interleaved steps of a session, followed over SSE on the same replica', async () => {
    const id = 'rig-ws-session';
    const socket = connect(`${proxy}/v2/models/accumulator/infer_stream?session_id=${id}`);
    const upgrade = new Promise<IncomingMessage>((resolve) => socket.ws.once('upgrade', resolve));
    await socket.opened;
    const upgraded = (await upgrade).headers;
    expect(upgraded['x-backend']).toBe('rest');
    const wsReplica = upgraded['x-served-by'];
    expect(wsReplica).toMatch(/^replica[12]$/);

    // The follower names the session in its path; the proxy hashes it like ?session_id= above.
    const follower = await fetch(`${proxy}/v2/models/accumulator/sessions/${id}/events`);
    expect(follower.status).toBe(200);
    expect(follower.headers.get('x-served-by')).toBe(wsReplica);
    expect(follower.headers.get('x-backend')).toBe('sse');
    const events = sseEvents(follower);

    // Each step is sent only after its answer came back on both streams: had the proxy held
    // either stream back, the next step would never be sent and the test would hang.
    let expected = 0;
    for (const step of [1, 2, 3, 4]) {
      socket.ws.send(JSON.stringify(stepBody(step)));
      expected += step;
      expect(totalOf((await socket.next())!)).toBe(expected);
      expect(totalOf(JSON.parse((await events.next())!.data))).toBe(expected);
    }
    socket.ws.send(Buffer.alloc(0));
    expect((await socket.closed).code).toBe(1000);
    expect(await events.next()).toBeUndefined();
  }, 30_000);

  test('gRPC ModelStreamInfer (h2c): two interleaved streams on one connection, one per replica', async () => {
    const key1 = await keyOn(proxy, 'replica1');
    const key2 = await keyOn(proxy, 'replica2');
    const one = openStream(grpcClient, { metadata: keyed(key1), deadlineMs: 30_000 });
    const two = openStream(grpcClient, { metadata: keyed(key2), deadlineMs: 30_000 });
    const log: string[] = [];
    let total1 = 0;
    let total2 = 0;
    for (const step of [1, 2, 3, 4, 5]) {
      one.write(grpcStep(step));
      total1 += step;
      log.push(`one ${grpcTotal(await one.next())}`);
      two.write(grpcStep(step * 100));
      total2 += step * 100;
      log.push(`two ${grpcTotal(await two.next())}`);
      expect(log.slice(-2)).toEqual([`one ${total1}`, `two ${total2}`]);
    }
    one.end();
    two.end();
    expect(await one.rest()).toEqual([]);
    expect(await two.rest()).toEqual([]);
    expect(await one.status).toEqual({ code: grpc.status.OK, details: 'OK' });
    expect(await two.status).toEqual({ code: grpc.status.OK, details: 'OK' });
    expect((await one.headers).get('x-served-by')).toEqual(['replica1']);
    expect((await two.headers).get('x-served-by')).toEqual(['replica2']);
    expect((await one.headers).get('x-backend')).toEqual(['grpc']);
  }, 30_000);

  test('a Triton sequence keyed by x-sequence-id stays on its replica for every step, REST and gRPC alike', async () => {
    const first = await keyOn(proxy, 'replica1', 'sequence');
    const second = await keyOn(proxy, 'replica2', 'sequence');
    const sequences = [
      { id: first, replica: 'replica1', other: rig.replicas[1]!, scale: 1, total: 0 },
      { id: second, replica: 'replica2', other: rig.replicas[0]!, scale: 1000, total: 0 },
    ];
    const steps = 25;
    for (let i = 1; i <= steps; i++) {
      for (const sequence of sequences) {
        const start = i === 1;
        const end = i === steps;
        const step = i * sequence.scale;
        // Odd steps over REST (the key in a header), even ones over gRPC (the key as metadata):
        // both backends hash the key alike, so one sequence may use either transport.
        let answer: { servedBy: string | null | undefined; total: number | undefined };
        if (i % 2 === 1) {
          const parameters = {
            sequence_id: sequence.id,
            ...(start ? { sequence_start: true } : {}),
            ...(end ? { sequence_end: true } : {}),
          };
          const rest = await post(`${proxy}/v2/models/accumulator/infer`, stepBody(step, parameters), {
            'x-sequence-id': sequence.id,
          });
          expect(rest.status).toBe(200);
          answer = { servedBy: rest.servedBy, total: totalOf(rest.body) };
        } else {
          const metadata = new grpc.Metadata();
          metadata.set('x-sequence-id', sequence.id);
          const request = {
            ...grpcStep(step),
            parameters: {
              sequence_id: { string_param: sequence.id },
              ...(end ? { sequence_end: { bool_param: true } } : {}),
            },
          };
          const { reply, servedBy } = await grpcInfer(grpcClient, request, metadata);
          answer = { servedBy, total: grpcTotal(reply) };
        }
        sequence.total += step;
        expect(answer).toEqual({ servedBy: sequence.replica, total: sequence.total });
        if (i === 10) {
          // The state is in that replica's memory only: the other replica has never heard of it.
          const elsewhere = await post(
            `${sequence.other.url}/v2/models/accumulator/infer`,
            stepBody(1, { sequence_id: sequence.id }),
          );
          expect(elsewhere.status).toBe(400);
          expect(String(elsewhere.body.error)).toMatch(/no open sequence/);
        }
      }
    }
    expect(sequences.map((s) => s.total)).toEqual([325, 325_000]);
  }, 60_000);

  // Last: it drains and stops the first replica.
  testDrainUnderLoad(() => rig);
});
