import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { getJson, postJson } from '../helpers/test-server.js';

/**
 * A model whose worker crashes, through the real CLI: the request it was running fails with a
 * 500 naming the crash, the worker is replaced, readiness reports the model not ready until the
 * replacement has loaded, other models keep serving, calls sent meanwhile wait and are served.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/workers');

let root: string;
let server: CliServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-crash-'));
  for (const model of ['crashy', 'steady'])
    await cp(path.join(FIXTURES, model), path.join(root, model), { recursive: true });
  server = await startCliServer(root, {
    models: ['crashy', 'steady'],
    env: { MLSERVER_PARALLEL_WORKERS: '1' },
  });
}, 60_000);

afterAll(async () => {
  const code = await server?.stop();
  await rm(root, { recursive: true, force: true });
  expect(code).toBe(0);
});

const steadyRequest = { inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [4, 2] }] };

function crashy(parameters: Record<string, unknown> = {}) {
  return postJson(`${server.http}/v2/models/crashy/infer`, { parameters, inputs: [] });
}

async function index(): Promise<Record<string, { state: string; reason: string }>> {
  const { body } = await postJson(`${server.http}/v2/repository/index`, {});
  return Object.fromEntries(
    (body as { name: string; state: string; reason: string }[]).map((m) => [m.name, m]),
  );
}

/** Polls until `condition` holds (bounded). */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('a crashing worker, through the real CLI', () => {
  test('process.exit in the runtime: the request fails clearly, readiness says so, other models serve, the replacement serves', async () => {
    const hold = path.join(root, 'crashy', 'hold-load');
    await writeFile(hold, ''); // the replacement's load() waits while this file exists
    const crash = await crashy({ action: 'exit' });
    expect(crash.status).toBe(500);
    expect(crash.body).toEqual({
      error:
        "model 'crashy': the worker thread running this request (worker 1 of 1) exited with code 7; the worker is being replaced",
    });

    // While no worker is alive: not ready, and the index says why.
    expect(await getJson(`${server.http}/v2/models/crashy/ready`)).toEqual({
      status: 400,
      body: { name: 'crashy', ready: false },
    });
    expect((await getJson(`${server.http}/v2/health/ready`)).status).toBe(400);
    expect((await getJson(`${server.http}/v2/health/live`)).status).toBe(200);
    expect((await index()).crashy).toEqual({
      name: 'crashy',
      version: '',
      state: 'UNAVAILABLE',
      reason: 'no live worker: worker 1 exited with code 7; a replacement is starting',
    });
    // Another model keeps serving.
    const steady = await postJson(`${server.http}/v2/models/steady/infer`, steadyRequest);
    expect(steady.status).toBe(200);
    expect((await index()).steady!.state).toBe('READY');

    // A call sent now waits for the replacement, which serves it once loaded.
    const waiting = crashy();
    await sleep(200);
    await rm(hold);
    expect((await waiting).status).toBe(200);
    await until(async () => (await getJson(`${server.http}/v2/models/crashy/ready`)).status === 200, 'ready');
    expect((await getJson(`${server.http}/v2/health/ready`)).status).toBe(200);
    expect((await index()).crashy!.state).toBe('READY');
    expect(server.cli.output()).toContain(
      "model 'crashy': worker 1 of 1 exited with code 7; the calls it was running failed; starting a replacement",
    );
    expect(server.cli.output()).toContain("model 'crashy': worker 1 replaced");
  }, 60_000);

  test('an uncaught exception in the runtime ends its worker only; the next call is served', async () => {
    const crash = await crashy({ action: 'throw' });
    expect(crash.status).toBe(500);
    expect((crash.body as { error: string }).error).toBe(
      "model 'crashy': the worker thread running this request (worker 1 of 1) threw an uncaught exception: crashy threw from a timer; the worker is being replaced",
    );
    expect((await crashy()).status).toBe(200);
    expect((await postJson(`${server.http}/v2/models/steady/infer`, steadyRequest)).status).toBe(200);
    // The server process itself never stopped.
    expect(server.cli.child.exitCode).toBeNull();
  }, 60_000);
});
