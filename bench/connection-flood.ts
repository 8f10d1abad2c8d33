/**
 * `npm run bench:flood [-- --per-port 3000] [-- --handshake 10]`: starts the built CLI (default
 * connection settings except those given), measures health from fresh connections (REST
 * `/v2/health/live`, gRPC `ServerLive` on a new channel) with no flood, then with `--per-port`
 * idle TCP connections open on each port (nine in ten send nothing, one in ten half a request
 * line or half an HTTP/2 preface), and times how long the server takes to close the flood.
 * Prints a table and writes a JSON record to `bench/results/`. Sized to the open-file limit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type FloodSocket, floodPort, openFileLimit } from './load/idle-sockets.js';
import { describeMachine } from './machine.js';
import { type LatencySummary, summariseLatencies } from './stats.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLES = 100;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Starts the CLI on an empty folder and resolves with its ports once it listens. */
async function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; http: number; grpc: number }> {
  const folder = mkdtempSync(path.join(tmpdir(), 'mlserver-ts-flood-'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/server/cli.js'), 'start', folder], {
    env: {
      ...process.env,
      MLSERVER_HTTP_PORT: '0',
      MLSERVER_GRPC_PORT: '0',
      MLSERVER_METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('exit', () => rmSync(folder, { recursive: true, force: true }));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const http = /HTTP server running on http:\/\/[^:]+:(\d+)/.exec(output);
      const grpcPort = /gRPC server running on [^:]+:(\d+)/.exec(output);
      if (http && grpcPort) resolve({ child, http: Number(http[1]), grpc: Number(grpcPort[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
}

function restLive(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/health/live', agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const Inference = grpc.loadPackageDefinition(
  protoLoader.loadSync('inference/dataplane.proto', {
    includeDirs: [path.join(repoRoot, 'protos')],
    keepCase: true,
  }),
) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };

function grpcLive(port: number): Promise<number> {
  const started = performance.now();
  const client = new Inference.inference.GRPCInferenceService(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  return new Promise<number>((resolve, reject) => {
    (client as unknown as Record<string, (r: object, cb: (err: Error | null) => void) => void>).ServerLive!(
      {},
      (err) => (err ? reject(err) : resolve(performance.now() - started)),
    );
  }).finally(() => client.close());
}

async function sample(fn: () => Promise<number>): Promise<LatencySummary> {
  const latencies: number[] = [];
  for (let i = 0; i < SAMPLES; i++) latencies.push(await fn());
  return summariseLatencies(latencies);
}

function descriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  const perPort = arg('per-port', Math.min(3000, Math.floor((limit - 500) / 4)));
  const handshake = arg('handshake', 10);
  const machine = describeMachine();
  const server = await startServer({ MLSERVER_CONNECTION_HANDSHAKE_TIMEOUT: String(handshake) });
  const pid = server.child.pid!;
  try {
    const before = {
      rest: await sample(() => restLive(server.http)),
      grpc: await sample(() => grpcLive(server.grpc)),
    };
    const fdBefore = descriptors(pid);
    const rssBefore = rssMb(pid);
    const opening = performance.now();
    const [httpFlood, grpcFlood] = await Promise.all([
      floodPort(server.http, perPort, { half: 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n', halfEvery: 10 }),
      floodPort(server.grpc, perPort, { half: 'PRI * HTTP/2.0\r\n', halfEvery: 10 }),
    ]);
    const opened = performance.now();
    const fdDuring = descriptors(pid);
    const during = {
      rest: await sample(() => restLive(server.http)),
      grpc: await sample(() => grpcLive(server.grpc)),
    };
    const openAfterSampling = [...httpFlood, ...grpcFlood].filter((s) => !s.socket.destroyed).length;
    const closedAt = async (sockets: FloodSocket[]) => {
      await Promise.all(sockets.map((s) => s.closed));
      return (performance.now() - opened) / 1000;
    };
    const [httpClosed, grpcClosed] = await Promise.all([closedAt(httpFlood), closedAt(grpcFlood)]);
    const fdAfter = descriptors(pid);
    const record = {
      machine,
      openFileLimit: limit,
      perPort,
      handshakeTimeoutS: handshake,
      openingS: (opened - opening) / 1000,
      openWhileSampling: openAfterSampling,
      health: { before, during },
      serverDescriptors: { before: fdBefore, during: fdDuring, after: fdAfter },
      serverRssMb: { before: rssBefore, after: rssMb(pid) },
      allClosedAfterS: { http: httpClosed, grpc: grpcClosed },
    };
    const row = (name: string, s: LatencySummary) =>
      `${name.padEnd(34)} ${s.p50.toFixed(2).padStart(7)} ${s.p90.toFixed(2).padStart(7)} ${s.p99.toFixed(2).padStart(7)} ${s.max.toFixed(2).padStart(7)}`;
    console.log(
      `${machine.cores} cores, ${machine.node}; open-file limit ${limit}; ${perPort} idle connections per port`,
    );
    console.log(
      `${'health from a fresh connection (ms)'.padEnd(34)} ${'p50'.padStart(7)} ${'p90'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`,
    );
    console.log(row('REST /v2/health/live, no flood', before.rest));
    console.log(row('REST /v2/health/live, flood open', during.rest));
    console.log(row('gRPC ServerLive, no flood', before.grpc));
    console.log(row('gRPC ServerLive, flood open', during.grpc));
    console.log(
      `flood opened in ${record.openingS.toFixed(1)} s; ${openAfterSampling} of ${2 * perPort} still open after sampling`,
    );
    console.log(`server descriptors: ${fdBefore} before, ${fdDuring} with the flood, ${fdAfter} after`);
    console.log(
      `every flood connection closed by the server ${httpClosed.toFixed(1)} s (HTTP) and ${grpcClosed.toFixed(1)} s (gRPC) after the flood was open (connection_handshake_timeout ${handshake} s)`,
    );
    const results = path.join(repoRoot, 'bench', 'results');
    mkdirSync(results, { recursive: true });
    const file = path.join(results, `connection-flood-${new Date().toISOString().replaceAll(':', '-')}.json`);
    writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`written: ${path.relative(repoRoot, file)}`);
  } finally {
    server.child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
