import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { promisify } from 'node:util';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { postSse } from './helpers/sse-client.js';
import { FIXTURE_MODELS } from './helpers/test-server.js';
import { connect } from './helpers/ws-client.js';

const run = promisify(execFile);
const TOKEN = 'sesame';
const sum = (id: string) =>
  JSON.stringify({ id, inputs: [{ name: 'x', shape: [2], datatype: 'FP64', data: [1, 2] }] });

interface LogRecord {
  name?: string;
  msg: string;
  request_id?: string;
  status?: string;
}

function accessRecords(server: CliServer): LogRecord[] {
  return server.cli
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogRecord)
    .filter((r) => r.name === 'access');
}

async function accessRecord(server: CliServer, match: (r: LogRecord) => boolean): Promise<LogRecord> {
  for (;;) {
    const found = accessRecords(server).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One request on a given agent (so several share one kept-alive connection). */
function send(
  agent: Agent,
  url: string,
  method: string,
  body?: string,
): Promise<{ status: number; body: string; socket: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, socket: req.socket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The HTTP port of the real CLI serves the dataplane routes on the fast path (in front of the
 * express app, which serves the rest) — with access control, root_path, SSE, WebSocket upgrades
 * and the access log as users run them, driven by curl, fetch, an SSE parser and a WebSocket client.
 */
describe('the fast path through the CLI', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(FIXTURE_MODELS, {
      models: ['sum', 'text-stream'],
      env: {
        MLSERVER_USE_STRUCTURED_LOGGING: 'true',
        MLSERVER_ROOT_PATH: '/prefix',
        MLSERVER_AUTH_INFERENCE_TOKENS: TOKEN,
      },
    });
  }, 60_000);
  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  test('curl: infer with a token, under root_path too; refused without one', async () => {
    for (const path of ['/v2/models/sum/infer', '/prefix/v2/models/sum/infer']) {
      const { stdout } = await run('curl', [
        '-s',
        '-w',
        '\n%{http_code} %{content_type}',
        '-H',
        `Authorization: Bearer ${TOKEN}`,
        '-d',
        sum(`curl${path.length}`),
        `${server.http}${path}`,
      ]);
      const [body, status] = stdout.split('\n');
      expect(status).toBe('200 application/json; charset=utf-8');
      expect(JSON.parse(body!)).toMatchObject({ model_name: 'sum', id: `curl${path.length}` });
    }
    const refused = await fetch(`${server.http}/v2/models/sum/infer`, { method: 'POST', body: sum('nope') });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    // The access log names the route template; a refused request never entered a route.
    expect((await accessRecord(server, (r) => r.request_id === 'curl20')).msg).toMatch(
      /^POST \/v2\/models\/:name\/infer 200 /,
    );
    expect((await accessRecord(server, (r) => r.status === '401')).msg).toMatch(/^POST \(unrouted\) 401 /);
  });

  test('SSE: curl -N and an SSE parser read the events', async () => {
    const prompt = {
      id: 'sse-1',
      inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: ['a b c'] }],
    };
    const { stdout } = await run('curl', [
      '-sN',
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify(prompt),
      `${server.http}/prefix/v2/models/text-stream/generate_stream`,
    ]);
    expect(stdout.split('\n\n').filter(Boolean)).toHaveLength(3);
    const events = [];
    for await (const event of postSse(`${server.http}/v2/models/text-stream/infer_stream`, prompt, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }))
      events.push(event);
    expect(events.map((e) => JSON.parse(e.data).outputs[0].data[0])).toEqual(['a', 'b', 'c']);
    expect(
      (await accessRecord(server, (r) => r.msg.startsWith('POST /v2/models/:name/infer_stream'))).status,
    ).toBe('200');
  });

  test('one kept-alive connection alternates fast-path and express routes', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) {
        answers.push(await send(agent, `${server.http}/v2/models/sum/infer`, 'POST', sum(`ka-${i}`)));
        answers.push(await send(agent, `${server.http}/v2/models/sum`, 'GET'));
        answers.push(await send(agent, `${server.http}/prefix/v2/health/live`, 'GET'));
      }
      expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
      expect(new Set(answers.map((a) => a.socket)).size).toBe(1);
      expect(JSON.parse(answers[3]!.body)).toMatchObject({ id: 'ka-1' });
      expect(JSON.parse(answers[4]!.body)).toMatchObject({ name: 'sum' });
    } finally {
      agent.destroy();
    }
  });

  test('WebSocket upgrades are matched on the same route table (root_path, versions, browser token)', async () => {
    const socket = connect(
      `${server.http}/prefix/v2/models/text-stream/generate_stream?access_token=${TOKEN}`,
    );
    await socket.opened;
    socket.ws.send(
      JSON.stringify({ inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: ['x y'] }] }),
    );
    socket.ws.send(Buffer.alloc(0));
    const messages = await socket.rest();
    expect(messages.map((m) => (m.outputs as { data: string[] }[])[0]!.data[0])).toEqual(['x', 'y']);
    expect((await socket.closed).code).toBe(1000);
    const refused = connect(`${server.http}/v2/models/text-stream/infer_stream`);
    await expect(refused.opened).rejects.toMatchObject({ status: 401 });
    const unknown = connect(`${server.http}/v2/models/text-stream/infer?access_token=${TOKEN}`);
    await expect(unknown.opened).rejects.toMatchObject({ status: 404 });
  });
});
