import path from 'node:path';
import { aborted } from '../fixtures/sessions/echo-stream/echo_stream.js';
import { type RunningServer, startTestServer } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';

const SESSIONS = path.resolve(import.meta.dirname, '../fixtures/sessions');
const x = (value: number) => ({ name: 'x', shape: [1], datatype: 'INT32', data: [value] });

let running: RunningServer;
beforeAll(async () => {
  running = await startTestServer({ model_repository_root: SESSIONS });
});
afterAll(() => running.stop());

const url = (model: string, query = '') => `${running.url}/v2/models/${model}/infer_stream${query}`;

describe('WebSocket sessions (GET …/infer_stream with Upgrade)', () => {
  test('JSON requests in, responses out as the runtime has them: interleaved, 0..N per request', async () => {
    const socket = connect(url('echo-stream'));
    await socket.opened;
    socket.ws.send(JSON.stringify({ id: 'a', parameters: { repeat: 2 }, inputs: [x(1)] }));
    expect(await socket.next()).toMatchObject({ id: 'a', parameters: { index: 0 }, outputs: [x(1)] });
    expect(await socket.next()).toMatchObject({ id: 'a', parameters: { index: 1 }, outputs: [x(1)] });
    // The second request goes out only after the first one's responses came back.
    socket.ws.send(JSON.stringify({ id: 'b', parameters: { repeat: 0 }, inputs: [x(2)] }));
    socket.ws.send(JSON.stringify({ id: 'c', inputs: [x(3)] }));
    expect(await socket.next()).toMatchObject({ id: 'c', model_name: 'echo-stream', outputs: [x(3)] });
    socket.ws.send('');
    expect(await socket.rest()).toEqual([]);
    expect(await socket.closed).toEqual({ code: 1000, reason: 'session ended' });
  });

  test('an unusable request is answered in-band and the session goes on', async () => {
    const socket = connect(url('echo-stream'));
    await socket.opened;
    socket.ws.send('{"inputs": [');
    expect((await socket.next())?.error).toMatch(/message is not valid JSON/);
    socket.ws.send(
      JSON.stringify({ id: 'bad', inputs: [{ name: 'x', shape: [1], datatype: 'INT33', data: [1] }] }),
    );
    expect(await socket.next()).toEqual({
      error: expect.stringContaining(`input 'x' has unknown datatype "INT33"`),
      id: 'bad',
    });
    socket.ws.send(JSON.stringify({ id: 'good', inputs: [x(5)] }));
    expect(await socket.next()).toMatchObject({ id: 'good', outputs: [x(5)] });
    socket.ws.send('');
    expect((await socket.closed).code).toBe(1000);
  });

  test('binary frames fill the model’s streaming input; its state stays on the server', async () => {
    const socket = connect(url('pcm'));
    await socket.opened;
    socket.ws.send(Int16Array.from([1, 2, 3]), { binary: true });
    socket.ws.send(Int16Array.from([10, -20]), { binary: true });
    socket.ws.send(Buffer.alloc(0), { binary: true });
    const responses = await socket.rest();
    expect(
      responses.map((r) => (r.outputs as { name: string; data: number[] }[]).map((o) => [o.name, o.data[0]])),
    ).toEqual([
      [
        ['count', 3],
        ['sum', 6],
      ],
      [
        ['count', 2],
        ['sum', -10],
      ],
    ]);
    expect((await socket.closed).code).toBe(1000);
  });

  test('a binary frame with half an element is a 400 in-band', async () => {
    const socket = connect(url('pcm'));
    await socket.opened;
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await socket.next())?.error).toBe(
      "a binary frame for input 'audio' (INT16) must hold whole 2-byte elements; got 3 bytes",
    );
    socket.ws.close();
  });

  test('the client going away reaches the runtime’s signal', async () => {
    const socket = connect(url('echo-stream', '?session_id=leaving'));
    await socket.opened;
    socket.ws.send(JSON.stringify({ parameters: { repeat: 1000, delay_ms: 20 }, inputs: [x(1)] }));
    await socket.next();
    const before = Object.keys(aborted).length;
    socket.ws.terminate();
    while (Object.keys(aborted).length === before) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(Object.values(aborted)).toContain('client disconnected');
  });

  test('a second client follows a named session over SSE (audio in on one connection, results out on another)', async () => {
    const socket = connect(url('echo-stream', '?session_id=shared-1'));
    await socket.opened;
    // Once the follower has the response head, it is subscribed.
    const res = await fetch(`${running.url}/v2/models/echo-stream/sessions/shared-1/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events: string[] = [];
    const follower = (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        events.push(...text.split('\n\n').slice(0, -1));
        text = text.split('\n\n').at(-1)!;
      }
    })();
    socket.ws.send(JSON.stringify({ id: 'w', parameters: { repeat: 3 }, inputs: [x(9)] }));
    socket.ws.send('');
    expect(await socket.rest()).toHaveLength(3);
    await follower;
    expect(events.map((e) => JSON.parse(e.replace(/^data: /, '')).parameters.index)).toEqual([0, 1, 2]);
    const missing = await fetch(`${running.url}/v2/models/echo-stream/sessions/shared-1/events`);
    expect(missing.status).toBe(404);
  });

  test('refusals come before the handshake, with the REST statuses', async () => {
    await expect(connect(url('nope')).opened).rejects.toEqual({
      status: 404,
      body: { error: "Request for unknown model: 'nope' is not found" },
    });
    await expect(connect(`${running.url}/v2/models/echo-stream/elsewhere`).opened).rejects.toMatchObject({
      status: 404,
    });
    await expect(connect(url('echo-stream'), { origin: 'http://evil.example' }).opened).rejects.toMatchObject(
      {
        status: 403,
      },
    );
  });
});

describe('session limits and timeouts', () => {
  let limited: RunningServer;
  beforeAll(async () => {
    limited = await startTestServer({
      model_repository_root: SESSIONS,
      max_sessions: 2,
      session_idle_timeout: 0.5,
    });
  });
  afterAll(() => limited.stop());

  test('the session past max_sessions is refused with 429; a closed one frees its place', async () => {
    const target = `${limited.url}/v2/models/echo-stream/infer_stream`;
    const first = connect(target);
    const second = connect(target);
    await Promise.all([first.opened, second.opened]);
    await expect(connect(target).opened).rejects.toEqual({
      status: 429,
      body: { error: 'the server has its limit of 2 open sessions (setting max_sessions); retry later' },
    });
    first.ws.send('');
    await first.closed;
    const third = connect(target);
    await third.opened;
    second.ws.close();
    third.ws.close();
    await Promise.all([second.closed, third.closed]);
    while (limited.server.dataplane.openSessions > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  });

  test('an idle session is closed with 4504 after session_idle_timeout', async () => {
    const socket = connect(`${limited.url}/v2/models/echo-stream/infer_stream`);
    await socket.opened;
    expect(await socket.next()).toEqual({
      error: expect.stringMatching(/was idle for 0.5 s \(setting session_idle_timeout\)/),
    });
    expect(await socket.closed).toEqual({ code: 4504, reason: expect.stringMatching(/idle/) });
  });
});

describe('WebSocket access control (the REST inference tokens)', () => {
  let guarded: RunningServer;
  beforeAll(async () => {
    guarded = await startTestServer({ model_repository_root: SESSIONS, auth_inference_tokens: ['s3cret'] });
  });
  afterAll(() => guarded.stop());

  test('no token: 401 before the handshake; a bearer header or a browser’s ?access_token= opens it', async () => {
    const target = `${guarded.url}/v2/models/echo-stream/infer_stream`;
    await expect(connect(target).opened).rejects.toMatchObject({ status: 401 });
    await expect(connect(`${target}?access_token=wrong`).opened).rejects.toMatchObject({ status: 401 });
    const header = connect(target, { headers: { authorization: 'Bearer s3cret' } });
    await header.opened;
    const query = connect(`${target}?access_token=s3cret`);
    await query.opened;
    header.ws.close();
    query.ws.close();
    await Promise.all([header.closed, query.closed]);
  });
});
