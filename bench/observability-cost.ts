/**
 * `npm run bench:observability [-- --rounds 3] [-- --seconds 5] [-- --connections 16]`: what
 * metrics, the access log and tracing cost a REST infer. Starts the built CLI once per
 * configuration (bench/models/identity, settings.json written per configuration, the log going
 * to a file as a container's would go to a pipe), then loads each in turn, round after round
 * (so drift on the shared machine hits every configuration alike), with autocannon. The cost
 * per request is the difference of the mean time per request at saturation against the bare
 * server, in microseconds. Prints a table and writes a JSON record to `bench/results/`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHttpLoad } from './load/http-load.js';
import { describeMachine } from './machine.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

interface Configuration {
  name: string;
  settings: Record<string, unknown>;
}

interface Running {
  config: Configuration;
  child: ChildProcess;
  http: number;
  folder: string;
  logFile: string;
  rps: number[];
  p50: number[];
}

const BODY = JSON.stringify({
  inputs: [
    { name: 'INPUT0', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) },
  ],
});

/** A sink for OTLP/HTTP exports: answers 200 and forgets. */
async function startSpanSink(): Promise<{ url: string; close(): void; exports: () => number }> {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, close: () => server.close(), exports: () => exports };
}

async function start(config: Configuration): Promise<Running> {
  const folder = mkdtempSync(path.join(tmpdir(), 'mlserver-ts-obs-bench-'));
  cpSync(path.join(repoRoot, 'bench/models/identity'), path.join(folder, 'identity'), { recursive: true });
  writeFileSync(
    path.join(folder, 'settings.json'),
    JSON.stringify({ host: '127.0.0.1', http_port: 0, grpc_port: 0, metrics_port: 0, ...config.settings }),
  );
  const logFile = path.join(folder, 'server.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/server/cli.js'), 'start', folder], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  for (;;) {
    const output = readFileSync(logFile, 'utf8');
    const http = /HTTP server running on http:\/\/[^:]+:(\d+)/.exec(output);
    if (http && /model identity: READY/.test(output)) {
      return { config, child, http: Number(http[1]), folder, logFile, rps: [], p50: [] };
    }
    if (child.exitCode !== null) throw new Error(`${config.name}: server exited\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const rounds = arg('rounds', 3);
  const seconds = arg('seconds', 5);
  const connections = arg('connections', 16);
  const machine = describeMachine();
  const sink = await startSpanSink();
  const configs: Configuration[] = [
    { name: 'bare: no metrics, no access log', settings: { metrics_endpoint: null, access_log: false } },
    { name: 'metrics', settings: { access_log: false } },
    { name: 'metrics + access log (default)', settings: {} },
    { name: 'metrics + access log, JSON lines', settings: { use_structured_logging: true } },
    { name: 'metrics + access log + tracing', settings: { tracing_server: sink.url } },
  ];
  const servers: Running[] = [];
  try {
    for (const config of configs) servers.push(await start(config));
    console.log(
      `${machine.cores} cores (${machine.cpuModel}), ${machine.node}; REST infer, identity, ${connections} connections, ${rounds} rounds of ${seconds} s each`,
    );
    for (let round = 0; round < rounds; round++) {
      for (const server of servers) {
        const result = await runHttpLoad({
          url: `http://127.0.0.1:${server.http}/v2/models/identity/infer`,
          body: BODY,
          connections,
          warmupMs: round === 0 ? 2000 : 500,
          durationMs: seconds * 1000,
        });
        if (result.errors > 0) throw new Error(`${server.config.name}: ${result.errors} failed requests`);
        server.rps.push(result.count / (result.elapsedMs / 1000));
        server.p50.push(result.latency.p50);
      }
    }
    const bare = median(servers[0]!.rps);
    const rows = servers.map((server) => {
      const rps = median(server.rps);
      return {
        configuration: server.config.name,
        requestsPerSecond: Math.round(rps),
        rpsPerRound: server.rps.map(Math.round),
        p50Ms: Number(median(server.p50).toFixed(3)),
        costMicrosecondsPerRequest: Number(((1 / rps - 1 / bare) * 1e6).toFixed(1)),
      };
    });
    const width = Math.max(...rows.map((r) => r.configuration.length));
    console.log(
      `${'configuration'.padEnd(width)}  req/s (median)  per round            p50 ms  cost µs/request`,
    );
    for (const row of rows) {
      console.log(
        `${row.configuration.padEnd(width)}  ${String(row.requestsPerSecond).padStart(14)}  ${row.rpsPerRound.join(' / ').padEnd(19)}  ${row.p50Ms.toFixed(3).padStart(6)}  ${row.costMicrosecondsPerRequest.toFixed(1).padStart(15)}`,
      );
    }
    console.log(`span exports received by the sink: ${sink.exports()}`);
    const results = path.join(repoRoot, 'bench/results');
    mkdirSync(results, { recursive: true });
    const file = path.join(results, `observability-${new Date().toISOString().replaceAll(':', '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine, rounds, seconds, connections, rows }, null, 2));
    console.log(`written: ${path.relative(repoRoot, file)}`);
  } finally {
    for (const server of servers) {
      server.child.kill('SIGKILL');
      rmSync(server.folder, { recursive: true, force: true });
    }
    sink.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
