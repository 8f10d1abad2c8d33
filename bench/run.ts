/**
 * `npm run bench [-- --quick]`: starts the real server (built CLI) and the bare baselines as
 * separate processes, runs every scenario against both, prints a table with ratios and targets,
 * and writes `bench/results/<timestamp>.json`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleRepo } from './bench-repo.js';
import { parseArgs, selected } from './config.js';
import type { BenchContext } from './context.js';
import { loadInferenceProto } from './load/grpc-proto.js';
import { describeMachine } from './machine.js';
import { type Measurement, unavailable } from './measurement.js';
import type { BenchProcess } from './processes.js';
import { SCENARIOS } from './scenarios/index.js';
import {
  asRunning,
  startExpressBaseline,
  startGrpcBaseline,
  startHttpBaseline,
  startServerReady,
} from './start.js';
import { summarise } from './summary.js';
import { formatTable } from './table.js';
import { TARGETS } from './targets.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2), repoRoot);
  const machine = describeMachine();
  if (!existsSync(config.cli)) throw new Error(`${config.cli} is missing: run \`npm run build\` first`);
  if (config.compare && !existsSync(config.compare))
    throw new Error(`--compare ${config.compare} is missing`);
  const startedAt = new Date();
  log(`mlserver-ts bench (${config.mode}): ${machine.cores} cores (${machine.cpuModel}), ${machine.node}`);
  log(`load generator: ${machine.loadGenerator}`);

  const repo = assembleRepo(repoRoot, config.modelRepository);
  const proto = loadInferenceProto(config.protosDir);
  const processes: BenchProcess[] = [];
  const measurements: Measurement[] = [];
  try {
    // allSettled, so that whatever did start is stopped even when another start failed.
    const started = await Promise.allSettled([
      startServerReady(repoRoot, config.cli, repo.folder),
      startHttpBaseline(repoRoot),
      proto ? startGrpcBaseline(repoRoot, config.protosDir) : Promise.resolve(undefined),
      // The other build, side by side on the same repository (its own ports).
      config.compare ? startServerReady(repoRoot, config.compare, repo.folder) : Promise.resolve(undefined),
      startExpressBaseline(repoRoot),
    ]);
    for (const result of started) {
      if (result.status !== 'fulfilled' || !result.value) continue;
      processes.push('process' in result.value ? result.value.process : result.value);
    }
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const server = (started[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startServerReady>>>).value;
    const httpBaseline = (started[1] as PromiseFulfilledResult<BenchProcess>).value;
    const grpcBaseline = (started[2] as PromiseFulfilledResult<BenchProcess | undefined>).value;
    const compare = (
      started[3] as PromiseFulfilledResult<Awaited<ReturnType<typeof startServerReady>> | undefined>
    ).value;
    const expressBaseline = (started[4] as PromiseFulfilledResult<BenchProcess>).value;
    if (compare) {
      log(`compare: ${config.compare}`);
      for (const m of compare.models)
        log(`compare model ${m.name}: ${m.state}${m.reason ? ` (${m.reason})` : ''}`);
    }
    const serverHttp = server.endpoints.http;
    const { models } = server;
    for (const m of models) log(`model ${m.name}: ${m.state}${m.reason ? ` (${m.reason})` : ''}`);
    for (const name of repo.missing) log(`model ${name}: not bundled in model-repository/`);
    const v2 = (await (await fetch(`${serverHttp}/v2`)).json()) as { extensions?: string[] };
    const grpcUnavailable = !proto
      ? `no GRPCInferenceService proto under ${path.relative(repoRoot, config.protosDir) || config.protosDir}`
      : server.endpoints.grpc === undefined
        ? 'the server logged no gRPC port'
        : undefined;
    const context: BenchContext = {
      config,
      server: server.endpoints,
      baseline: {
        http: `http://127.0.0.1:${httpBaseline.ports.http}`,
        httpPid: httpBaseline.pid,
        grpc: grpcBaseline ? `127.0.0.1:${grpcBaseline.ports.grpc}` : undefined,
        grpcPid: grpcBaseline?.pid,
      },
      express: asRunning(expressBaseline).endpoints,
      compare: compare && {
        ...compare.endpoints,
        readyModels: new Set(compare.models.filter((m) => m.state === 'READY').map((m) => m.name)),
      },
      proto,
      grpcUnavailable,
      readyModels: new Set(models.filter((m) => m.state === 'READY').map((m) => m.name)),
      modelReasons: new Map([
        ...models.map((m): [string, string] => [
          m.name,
          `${m.name} ${m.state}${m.reason ? `: ${m.reason}` : ''}`,
        ]),
        ...repo.missing.map((name): [string, string] => [name, `model-repository/${name} is not bundled`]),
      ]),
      extensions: v2.extensions ?? [],
      startFreshServer: () => startServerReady(repoRoot, config.cli, repo.folder),
      startFreshBaseline: async () => asRunning(await startHttpBaseline(repoRoot)),
      startFreshCompare:
        config.compare === undefined
          ? undefined
          : () => startServerReady(repoRoot, config.compare as string, repo.folder),
    };
    for (const scenario of SCENARIOS) {
      if (!selected(config, scenario.id)) continue;
      log(`scenario ${scenario.id} …`);
      try {
        measurements.push(...(await scenario.run(context)));
      } catch (err) {
        // One failing scenario (a crash, a timeout) is reported in its row; the others still run.
        const why = `failed: ${err instanceof Error ? err.message : String(err)}`;
        log(`scenario ${scenario.id} ${why}`);
        measurements.push(
          unavailable({ id: scenario.id, label: scenario.id, side: 'server', concurrency: 0, unit: '' }, why),
        );
      }
    }
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    repo.remove();
  }

  const rows = summarise(measurements, TARGETS);
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  process.stdout.write(
    'Latencies in ms (p50/p90/p99). Ratio = server / baseline, measured in the same run. Targets are reported, not enforced.\n',
  );
  process.stdout.write(
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}. ` +
      `Load generator: ${machine.loadGenerator}.\n`,
  );
  const resultsDir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${startedAt.toISOString().replaceAll(':', '-')}.json`);
  const record = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    config,
    machine,
    rows,
    measurements,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  log(`results: ${path.relative(repoRoot, file)}`);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
