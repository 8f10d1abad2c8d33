/**
 * `npm run bench:grpc-codec [-- --quick]`: decodes `ModelInferRequest` bytes into the core's
 * request and encodes the core's response into `ModelInferResponse` bytes through three paths
 * (proto-loader + protobufjs as before the wire codec, `@bufbuild/protobuf`, the hand-written
 * wire codec; see `grpc-codec/paths.ts`), each cell in its own child process. Prints operations
 * per CPU second and bytes allocated per operation (JS heap + ArrayBuffers, counted in a window
 * with no GC), with ratios to proto-loader, and writes a JSON record to `bench/results/`. The
 * figures chose the hand-written codec (docs/grpc.md).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { InferenceResponse } from '../server/types.js';
import { MESSAGE_KINDS } from './grpc-codec/messages.js';
import { builtModules, codecPath, PATHS, type PathName } from './grpc-codec/paths.js';
import { describeMachine } from './machine.js';
import { formatNumber } from './table.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OPS = ['decode', 'encode'] as const;
type Op = (typeof OPS)[number];

interface Cell {
  kind: string;
  op: Op;
  path: PathName;
  /** Bytes of the message decoded or written. */
  messageBytes: number;
  iterations: number;
  /** Operations per CPU second (user + system of the process, GC threads included). */
  opsPerCpuSecond: number;
  /** JS heap + ArrayBuffer bytes allocated per operation (a window without GC). */
  allocatedBytesPerOp: number;
  error?: string;
}

// ---------------------------------------------------------------------------------------------
// Child: one path, one message kind, one operation.

async function child(pathName: PathName, kindId: string, op: Op, minCpuUs: number): Promise<void> {
  const modules = await builtModules(repoRoot);
  const kind = MESSAGE_KINDS.find((k) => k.id === kindId)!;
  const method = modules.protos.loadProtoLoaderService('inference.GRPCInferenceService').ModelInfer!;
  const bytes = method.requestSerialize(kind.request);
  // The identity runtime's answer, from the request as the server's core sees it.
  const { body } = modules.converters.requestFromProto(modules.decoder.decodeInferRequest(bytes));
  const response: InferenceResponse = {
    model_name: 'identity',
    outputs: (body.inputs as InferenceResponse['outputs']).map((input, i) => ({
      name: `OUTPUT${i}`,
      datatype: input.datatype,
      shape: input.shape,
      data: input.data,
    })),
  };
  const impl = codecPath(pathName, modules, repoRoot);
  const sink: unknown[] = new Array(16);
  const run = op === 'decode' ? () => impl.decode(bytes) : () => impl.encode(response, kind.raw);
  const messageBytes = op === 'decode' ? bytes.length : (run() as Uint8Array).byteLength;
  for (let i = 0; i < 300; i++) sink[i & 15] = run();

  const allocatedBytesPerOp = await allocationPerOp(run, sink);

  const startCpu = process.cpuUsage();
  let iterations = 0;
  let cpu = 0;
  const batch = Math.max(1, Math.floor((64 * 1024) / messageBytes));
  do {
    for (let i = 0; i < batch; i++) sink[i & 15] = run();
    iterations += batch;
    const used = process.cpuUsage(startCpu);
    cpu = used.user + used.system;
  } while (cpu < minCpuUs);
  const cell: Cell = {
    kind: kindId,
    op,
    path: pathName,
    messageBytes,
    iterations,
    opsPerCpuSecond: iterations / (cpu / 1e6),
    allocatedBytesPerOp,
  };
  process.stdout.write(`${JSON.stringify(cell)}\n`);
}

/**
 * Bytes allocated per operation: heap used and ArrayBuffers before and after `n` operations in
 * a window where no GC ran (the young generation is made large for this; when a GC does run in
 * the window, `n` is halved and the window measured again).
 */
async function allocationPerOp(run: () => unknown, sink: unknown[]): Promise<number> {
  const gcStarts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  const gc = (globalThis as { gc?: () => void }).gc!;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  // A first estimate sizes the window to about 32 MB.
  let n = 64;
  try {
    for (let attempt = 0; attempt < 12; attempt++) {
      gc();
      await settle();
      gcStarts.length = 0;
      const t0 = performance.now();
      const before = process.memoryUsage();
      for (let i = 0; i < n; i++) sink[i & 15] = run();
      const after = process.memoryUsage();
      const t1 = performance.now();
      await settle();
      const bytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
      const clean = !gcStarts.some((t) => t >= t0 && t <= t1);
      if (clean && attempt > 0) return bytes / n;
      const perOp = Math.max(bytes / n, 64);
      n = clean ? Math.max(16, Math.floor((32 * 1024 * 1024) / perOp)) : Math.max(1, Math.floor(n / 2));
    }
    return Number.NaN;
  } finally {
    observer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent.

function runCell(pathName: PathName, kind: string, op: Op, minCpuUs: number): Cell {
  try {
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--min-semi-space-size=128',
        '--max-semi-space-size=128',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        pathName,
        kind,
        op,
        String(minCpuUs),
      ],
      { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim().split('\n').pop()!) as Cell;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    const message = stderr.split('\n').find((l) => /error/i.test(l)) ?? stderr;
    return {
      kind,
      op,
      path: pathName,
      messageBytes: 0,
      iterations: 0,
      opsPerCpuSecond: Number.NaN,
      allocatedBytesPerOp: Number.NaN,
      error: message.slice(0, 120),
    };
  }
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';
}

function bytesText(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 1024 * 1024) return `${formatNumber(n / (1024 * 1024))} MB`;
  if (n >= 1024) return `${formatNumber(n / 1024)} KB`;
  return `${Math.round(n)} B`;
}

function parent(argv: string[]): void {
  const quick = argv.includes('--quick');
  const minCpuUs = quick ? 300_000 : 1_500_000;
  const machine = describeMachine();
  console.log(`grpc-codec bench: ${machine.cores} cores (${machine.cpuModel}), ${machine.node}`);
  const header = [
    'message',
    'op',
    'bytes',
    ...PATHS.map((p) => `${p} ops/s`),
    'bufbuild/proto-loader',
    'hand/proto-loader',
    'hand/bufbuild',
    ...PATHS.map((p) => `${p} alloc/op`),
  ];
  const lines: string[][] = [];
  const cells: Cell[] = [];
  for (const kind of MESSAGE_KINDS) {
    for (const op of OPS) {
      const row = PATHS.map((p) => runCell(p, kind.id, op, minCpuUs));
      cells.push(...row);
      const [loader, buf, hand] = row as [Cell, Cell, Cell];
      const speed = (c: Cell) => (c.error ? `failed: ${c.error}` : formatNumber(c.opsPerCpuSecond));
      const line = [
        kind.id,
        op,
        bytesText(row.find((c) => c.messageBytes > 0)?.messageBytes ?? Number.NaN),
        ...row.map(speed),
        ratio(buf.opsPerCpuSecond, loader.opsPerCpuSecond),
        ratio(hand.opsPerCpuSecond, loader.opsPerCpuSecond),
        ratio(hand.opsPerCpuSecond, buf.opsPerCpuSecond),
        ...row.map((c) => bytesText(c.allocatedBytesPerOp)),
      ];
      lines.push(line);
      console.log(`| ${line.join(' | ')} |`);
    }
  }
  const table = [header, header.map(() => '---'), ...lines].map((c) => `| ${c.join(' | ')} |`).join('\n');
  console.log(`\n${table}\n`);
  console.log(MESSAGE_KINDS.map((k) => `${k.id}: ${k.what}`).join('\n'));
  const record = { startedAt: new Date().toISOString(), machine, quick, cells };
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `grpc-codec-${record.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`record: ${path.relative(repoRoot, file)}`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const [pathName, kind, op, minCpu] = process.argv.slice(at + 1);
  await child(pathName as PathName, kind!, op as Op, Number(minCpu));
} else {
  parent(process.argv.slice(2));
}
