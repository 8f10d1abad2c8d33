import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { clientFor, call as grpcCall } from '../grpc/harness.js';
import { CLI } from '../helpers/cli-process.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { postSse } from '../helpers/sse-client.js';
import { FIXTURE_MODELS, postJson } from '../helpers/test-server.js';
import { connect } from '../helpers/ws-client.js';

const run = promisify(execFile);
const sumRequest = { inputs: [{ name: 'x', datatype: 'FP64', shape: [2], data: [1, 2] }] };

interface LogRecord {
  level: number;
  name: string;
  msg: string;
  [field: string]: unknown;
}

/** The JSON lines the CLI printed so far. */
function records(server: CliServer): LogRecord[] {
  return server.cli
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogRecord);
}

/** Waits for an access record that `match` accepts (calls are logged when they end). */
async function accessRecord(server: CliServer, match: (r: LogRecord) => boolean): Promise<LogRecord> {
  for (;;) {
    const found = records(server).find((r) => r.name === 'access' && match(r));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('access log through the CLI', () => {
  test('structured: one line per request, stream, RPC and WebSocket session, at call end; disconnects; probes at debug', async () => {
    const server = await startCliServer(FIXTURE_MODELS, {
      models: ['sum', 'slow-stream'],
      env: { MLSERVER_USE_STRUCTURED_LOGGING: 'true' },
    });
    const client = new (clientFor('inference/dataplane.proto', 'inference.GRPCInferenceService'))(
      server.grpc,
      grpc.credentials.createInsecure(),
    );
    try {
      expect(
        (await postJson(`${server.http}/v2/models/sum/infer`, sumRequest, { 'x-request-id': 'log-1' }))
          .status,
      ).toBe(200);
      const rest = await accessRecord(server, (r) => r.request_id === 'log-1');
      expect(rest).toMatchObject({
        level: 30,
        transport: 'rest',
        model: 'sum',
        status: '200',
        request_id: 'log-1',
      });
      expect(rest.msg).toMatch(/^POST \/v2\/models\/:name\/infer 200 [\d.]+ ms$/);
      expect(rest.bytes).toBeGreaterThan(50);
      expect(typeof rest.duration_ms).toBe('number');

      await postJson(`${server.http}/v2/models/nope/infer`, { ...sumRequest, id: 'log-2' });
      expect(await accessRecord(server, (r) => r.request_id === 'log-2')).toMatchObject({
        status: '404',
        model: 'nope',
        error: "Request for unknown model: 'nope' is not found",
      });

      await grpcCall(client, 'ModelInfer', {
        id: 'log-3',
        model_name: 'sum',
        inputs: [{ name: 'x', datatype: 'FP64', shape: [1], contents: { fp64_contents: [1] } }],
      });
      const rpc = await accessRecord(server, (r) => r.request_id === 'log-3');
      expect(rpc).toMatchObject({
        transport: 'grpc',
        status: 'OK',
        msg: expect.stringMatching(/^ModelInfer OK /),
      });

      const controller = new AbortController();
      const stream = postSse(
        `${server.http}/v2/models/slow-stream/infer_stream`,
        { id: 'log-4', inputs: [], parameters: { delay_ms: 10 } },
        { signal: controller.signal },
      );
      await stream.next();
      controller.abort();
      await stream.return(undefined).catch(() => undefined);
      const cut = await accessRecord(server, (r) => r.request_id === 'log-4');
      expect(cut).toMatchObject({ transport: 'sse', status: '499', error: 'client disconnected' });
      expect(cut.responses).toBeGreaterThanOrEqual(1);

      const socket = connect(`${server.http}/v2/models/sum/infer_stream?session_id=log-5`);
      await socket.opened;
      socket.ws.send(JSON.stringify(sumRequest));
      await socket.next();
      socket.ws.send('');
      await socket.closed;
      const ws = await accessRecord(server, (r) => r.transport === 'ws');
      expect(ws).toMatchObject({ status: '1000', model: 'sum', responses: 1 });

      await fetch(`${server.http}/v2/health/live`);
      await postJson(`${server.http}/v2/models/sum/infer`, { ...sumRequest, id: 'log-6' });
      await accessRecord(server, (r) => r.request_id === 'log-6');
      // Probes are debug lines, and the server logs at info.
      expect(records(server).some((r) => String(r.msg).includes('/v2/health/live'))).toBe(false);
    } finally {
      client.close();
      expect(await server.stop()).toBe(0);
    }
  });

  test('plain lines: the message, then key=value fields', async () => {
    const server = await startCliServer(path.join(FIXTURE_MODELS, 'sum'), { models: ['sum'] });
    try {
      await postJson(`${server.http}/v2/models/sum/infer`, sumRequest, { 'x-request-id': 'plain-1' });
      await server.cli.waitForLine(/(request_id=plain-1)/);
      const line = server.cli
        .output()
        .split('\n')
        .find((l) => l.includes('request_id=plain-1'))!;
      expect(line).toMatch(
        /^\S+ \[mlserver-ts\] INFO - POST \/v2\/models\/:name\/infer 200 [\d.]+ ms transport=rest model=sum status=200 duration_ms=[\d.]+ bytes=\d+ request_id=plain-1$/,
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test('logging_settings (a file named in settings.json) silences the access logger; access_log: debug with debug on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-logging-'));
    try {
      await writeFile(
        path.join(dir, 'settings.json'),
        JSON.stringify({
          model_repository_root: path.join(FIXTURE_MODELS, 'sum'),
          logging_settings: 'logging.json',
          use_structured_logging: true,
        }),
      );
      await writeFile(
        path.join(dir, 'logging.json'),
        JSON.stringify({
          version: 1,
          disable_existing_loggers: false,
          loggers: { 'uvicorn.access': { level: 'WARNING' } },
        }),
      );
      const quiet = await startCliServer(dir, { models: ['sum'] });
      try {
        await postJson(`${quiet.http}/v2/models/sum/infer`, sumRequest, { 'x-request-id': 'quiet-1' });
        await postJson(`${quiet.http}/v2/models/nope/infer`, sumRequest);
        // The server's own lines still come; the access logger says nothing.
        expect(records(quiet).some((r) => r.msg.startsWith('model sum'))).toBe(true);
      } finally {
        expect(await quiet.stop()).toBe(0);
      }
      expect(records(quiet).filter((r) => r.name === 'access')).toEqual([]);

      const loud = await startCliServer(path.join(FIXTURE_MODELS, 'sum'), {
        models: ['sum'],
        env: {
          MLSERVER_USE_STRUCTURED_LOGGING: 'true',
          MLSERVER_ACCESS_LOG: 'debug',
          MLSERVER_DEBUG: 'true',
        },
      });
      try {
        await postJson(`${loud.http}/v2/models/sum/infer`, sumRequest, { 'x-request-id': 'loud-1' });
        expect(await accessRecord(loud, (r) => r.request_id === 'loud-1')).toMatchObject({ level: 20 });
        await fetch(`${loud.http}/v2/health/ready`);
        await accessRecord(loud, (r) => r.msg.startsWith('GET /v2/health/ready'));
      } finally {
        expect(await loud.stop()).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('access_log: false; a logging_settings file with an unknown logger is a settings error (exit 2)', async () => {
    const off = await startCliServer(path.join(FIXTURE_MODELS, 'sum'), {
      models: ['sum'],
      env: { MLSERVER_USE_STRUCTURED_LOGGING: 'true', MLSERVER_ACCESS_LOG: 'false' },
    });
    try {
      await postJson(`${off.http}/v2/models/sum/infer`, sumRequest);
    } finally {
      expect(await off.stop()).toBe(0);
    }
    expect(records(off).filter((r) => r.name === 'access')).toEqual([]);

    const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-logging-'));
    try {
      await writeFile(path.join(dir, 'settings.json'), JSON.stringify({ logging_settings: 'logging.json' }));
      await writeFile(
        path.join(dir, 'logging.json'),
        JSON.stringify({ loggers: { 'mlserver.rest': { level: 'INFO' } } }),
      );
      const result = await run(process.execPath, [CLI, 'start', dir]).catch(
        (err: { code: number; stderr: string }) => err,
      );
      expect((result as { code: number }).code).toBe(2);
      expect((result as { stderr: string }).stderr).toContain(
        `invalid settings in ${path.join(dir, 'logging.json')}`,
      );
      expect((result as { stderr: string }).stderr).toContain("logger 'mlserver.rest' is not one of");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
