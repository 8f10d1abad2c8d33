import path from 'node:path';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { getJson, postJson } from '../helpers/test-server.js';

const FAULTS = path.resolve(import.meta.dirname, '../fixtures/faults');
const fault = (kind: string) => ({ parameters: { fault: kind }, inputs: [] });

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** What a runtime's mistakes do to the server, run as users run it (the real CLI). */
describe('the fault policy, through the real CLI', () => {
  let server: CliServer;
  beforeAll(async () => {
    server = await startCliServer(FAULTS, { models: ['steady'] });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  test('a load() that never finishes makes its model UNAVAILABLE after model_load_timeout', async () => {
    await server.cli.waitForLine(/model hung-load: UNAVAILABLE/, 20_000);
    const { body } = await postJson(`${server.http}/v2/repository/index`, {});
    expect(body).toContainEqual({
      name: 'hung-load',
      version: '',
      state: 'UNAVAILABLE',
      reason: 'load() did not finish within 2 s (setting model_load_timeout)',
    });
    expect((await getJson(`${server.http}/v2/models/steady/ready`)).body).toEqual({
      name: 'steady',
      ready: true,
    });
  });

  test('an unhandled rejection is logged with its model, and everything keeps serving', async () => {
    expect((await postJson(`${server.http}/v2/models/faulty/infer`, fault('reject'))).status).toBe(200);
    await server.cli.waitForLine(
      /ERROR - unhandled promise rejection \(model 'faulty'\): a promise nobody awaited; the server goes on/,
    );
    expect((await postJson(`${server.http}/v2/models/faulty/infer`, fault('none'))).status).toBe(200);
  });

  test('an uncaught exception from a runtime takes only that model out of service', async () => {
    expect((await postJson(`${server.http}/v2/models/faulty/infer`, fault('timer'))).status).toBe(200);
    await server.cli.waitForLine(
      /model 'faulty' is out of service: its runtime threw an uncaught exception: thrown inside a timer/,
    );
    await until(
      async () =>
        (await getJson(`${server.http}/v2/models/faulty/ready`)).body !== undefined &&
        !((await getJson(`${server.http}/v2/models/faulty/ready`)).body as { ready: boolean }).ready,
      'faulty to be not ready',
    );
    const refused = await postJson(`${server.http}/v2/models/faulty/infer`, fault('none'));
    expect(refused.status).toBe(503);
    expect((refused.body as { error: string }).error).toMatch(/uncaught exception: thrown inside a timer/);
    expect((await postJson(`${server.http}/v2/models/steady/infer`, { inputs: [] })).status).toBe(200);
    // Loading it again brings it back.
    expect((await postJson(`${server.http}/v2/repository/models/faulty/load`, {})).status).toBe(200);
    expect((await postJson(`${server.http}/v2/models/faulty/infer`, fault('none'))).status).toBe(200);
  });

  test('errors are one log line each: no stack unless debug is on', () => {
    const lines = server.cli.output().split('\n');
    expect(lines.some((line) => /^\s+at /.test(line))).toBe(false);
  });

  test('SIGTERM still unloads every model though one load never finished', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.cli.output()).toMatch(/model 'steady' unloaded/);
    expect(server.cli.output()).toMatch(/shutdown complete/);
  });
});

describe('an uncaught exception outside any model, through the real CLI', () => {
  test('shuts the server down gracefully (drain, unload) and exits with code 1', async () => {
    const server = await startCliServer(FAULTS, { models: ['steady'] });
    try {
      expect((await postJson(`${server.http}/v2/models/faulty/infer`, fault('foreign'))).status).toBe(200);
      expect(await server.cli.exited).toBe(1);
      const output = server.cli.output();
      expect(output).toMatch(
        /uncaught exception outside any model: thrown where no model can be named; shutting down gracefully/,
      );
      expect(output).toMatch(/model 'steady' unloaded/);
      expect(output).toMatch(/shutdown complete/);
    } finally {
      server.cli.child.kill('SIGKILL');
    }
  }, 60_000);
});
