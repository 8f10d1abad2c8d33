/**
 * `npm run bench:json [-- --quick] [-- --sizes 1k,100k]`: decodes JSON inference request bodies
 * with today's path (JSON.parse + validation) and with both paths of the wire decoder (`parse`:
 * JSON.parse + bounds + typed arrays; `read`: the byte-level reader), each cell in its own child
 * process. Prints MB/s (per CPU second, so other load on the machine weighs less) and the growth
 * of peak RSS during one decode, with ratios to today's path, and writes a JSON record to
 * `bench/results/`. The figures choose `PARSE_BELOW_BYTES`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeMachine } from './machine.js';
import { formatNumber } from './table.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KB = 1024;
const MB = 1024 * KB;

/**
 * The decoders compared: today's (JSON.parse + validation), today's plus the typed arrays a
 * runtime then builds with `toTypedArray` (the like-for-like baseline for numeric data), and
 * the two paths of the new one.
 */
const DECODERS = ['today', 'typed', 'parse', 'read'] as const;
type Decoder = (typeof DECODERS)[number];

/** Body kinds: the iris rows, full-precision floats as numpy writes them, and text. */
const KINDS = ['iris', 'float32', 'text'] as const;
type Kind = (typeof KINDS)[number];

const SIZES: Record<string, number> = {
  '1k': KB,
  '4k': 4 * KB,
  '16k': 16 * KB,
  '100k': 100 * KB,
  '10m': 10 * MB,
  '100m': 100 * MB,
};

interface Cell {
  kind: Kind;
  size: string;
  decoder: Decoder;
  bodyBytes: number;
  iterations: number;
  /** Body MB decoded per CPU second (user + system of the whole process, GC threads included). */
  mbPerCpuSecond: number;
  /** Body MB decoded per wall-clock second. */
  mbPerSecond: number;
  /** Growth of peak RSS during the first decode, in MB. */
  peakRssGrowthMb: number;
  /** JS heap used after the first decode, result still held, in MB. */
  heapAfterMb: number;
  error?: string;
}

// ---------------------------------------------------------------------------------------------
// Child: builds one body, decodes it with one decoder, prints one Cell as JSON.

/** A small deterministic generator, so that every decoder sees the same body. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state / 2 ** 32;
  };
}

/** A body of about `target` bytes of the given kind, built without one giant string. */
function buildBody(kind: Kind, target: number): Buffer {
  const next = random(42);
  const element = (): string => {
    if (kind === 'iris') return `[${[7, 4, 6, 2.5].map((m) => (next() * m).toFixed(1)).join(',')}]`;
    if (kind === 'float32') return String(Math.fround(next() * 2 - 1));
    const words = ['what', 'is', 'the', 'capital', 'of', 'France', 'and', 'why', 'élan', '✓'];
    return JSON.stringify(
      Array.from({ length: 8 }, () => words[Math.floor(next() * words.length)]).join(' '),
    );
  };
  const datatype = kind === 'text' ? 'BYTES' : 'FP32';
  const chunks: Buffer[] = [];
  let bytes = 0;
  let count = 0;
  const overhead = 160;
  while (bytes < target - overhead) {
    const batch: string[] = [];
    let batchBytes = 0;
    while (batchBytes < 64 * KB && bytes + batchBytes < target - overhead) {
      const text = element();
      batch.push(text);
      batchBytes += Buffer.byteLength(text) + 1;
    }
    count += batch.length;
    const chunk = Buffer.from((chunks.length > 0 ? ',' : '') + batch.join(','));
    chunks.push(chunk);
    bytes += chunk.length;
  }
  const shape = kind === 'iris' ? [count, 4] : [count];
  const head = `{"id":"bench","parameters":{"content_type":null},"inputs":[{"name":"x","shape":${JSON.stringify(shape)},"datatype":"${datatype}","parameters":{"headers":null},"data":[`;
  return Buffer.concat([Buffer.from(head), ...chunks, Buffer.from(']}],"outputs":[{"name":"y"}]}')]);
}

function peakRss(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * KB;
}

/** Resets the peak RSS to the current RSS (Linux: clear_refs 5). */
function resetPeakRss(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

async function child(kind: Kind, size: string, decoder: Decoder): Promise<void> {
  const dist = (file: string) => pathToFileURL(path.join(repoRoot, 'dist', file)).href;
  const { decodeJsonRequest } = (await import(
    dist('server/wire/json-request.js')
  )) as typeof import('../server/wire/json-request.js');
  const { validateInferenceRequest } = (await import(
    dist('server/request-validation.js')
  )) as typeof import('../server/request-validation.js');
  const options = { maxInputBytes: 2 ** 40, maxRequestBytes: 2 ** 40, path: decoder as 'parse' | 'read' };
  // Built once: an options object spread per call would cost more than a small body's decode.
  const { toTypedArray } = (await import(
    dist('server/codecs/tensor-codec.js')
  )) as typeof import('../server/codecs/tensor-codec.js');
  const today = (body: Buffer) => validateInferenceRequest(JSON.parse(body.toString('utf8')));
  const typed = (body: Buffer) => {
    const request = today(body);
    for (const input of request.inputs) {
      if (input.datatype !== 'BYTES' && input.datatype !== 'BOOL')
        input.data = toTypedArray(input.datatype, input.data);
    }
    return request;
  };
  const decode: (body: Buffer) => unknown =
    decoder === 'today' ? today : decoder === 'typed' ? typed : (body) => decodeJsonRequest(body, options);
  const body = buildBody(kind, SIZES[size]!);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  resetPeakRss();
  const before = peakRss();
  let kept: unknown = decode(body);
  const peakRssGrowthMb = (peakRss() - before) / MB;
  gc?.();
  const heapAfterMb = process.memoryUsage().heapUsed / MB;
  kept = undefined;
  // Timed runs: at least 1 s of CPU (or one run of a large body), after a warm-up for small ones.
  const minCpu = 1e6;
  if (body.length < MB) for (let i = 0; i < 200; i++) decode(body);
  const startCpu = process.cpuUsage();
  const start = performance.now();
  let iterations = 0;
  let cpu = 0;
  // Batches between clock reads, so that reading the clock weighs nothing on small bodies.
  const batch = Math.max(1, Math.floor((256 * KB) / body.length));
  do {
    for (let i = 0; i < batch; i++) kept = decode(body);
    iterations += batch;
    const used = process.cpuUsage(startCpu);
    cpu = used.user + used.system;
  } while (cpu < minCpu && body.length < 10 * MB);
  const wall = (performance.now() - start) / 1000;
  const mb = (body.length * iterations) / 1e6;
  const cell: Cell = {
    kind,
    size,
    decoder,
    bodyBytes: body.length,
    iterations,
    mbPerCpuSecond: mb / (cpu / 1e6),
    mbPerSecond: mb / wall,
    peakRssGrowthMb,
    heapAfterMb,
  };
  void kept;
  process.stdout.write(`${JSON.stringify(cell)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent: runs every cell in a fresh process and prints the table.

function runCell(kind: Kind, size: string, decoder: Decoder): Cell {
  try {
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        kind,
        size,
        decoder,
      ],
      { cwd: repoRoot, encoding: 'utf8', maxBuffer: MB, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim().split('\n').pop()!) as Cell;
  } catch (err) {
    const message =
      (err as { stderr?: string }).stderr?.split('\n').find((l) => /error/i.test(l)) ?? String(err);
    return {
      kind,
      size,
      decoder,
      bodyBytes: 0,
      iterations: 0,
      mbPerCpuSecond: Number.NaN,
      mbPerSecond: Number.NaN,
      peakRssGrowthMb: Number.NaN,
      heapAfterMb: Number.NaN,
      error: message.slice(0, 120),
    };
  }
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';
}

function parent(argv: string[]): void {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--sizes');
  const sizes = at >= 0 ? argv[at + 1]!.split(',') : quick ? ['1k', '4k', '100k', '10m'] : Object.keys(SIZES);
  const machine = describeMachine();
  console.log(`json-decode bench: ${machine.cores} cores (${machine.cpuModel}), ${machine.node}`);
  const cells: Cell[] = [];
  const lines = [
    [
      'body',
      'size',
      'today MB/s',
      'today+typed MB/s',
      'parse MB/s',
      'read MB/s',
      'parse/today',
      'read/today',
      'parse/typed',
      'read/typed',
      'peak RSS +MB today/typed/parse/read',
      'heap after MB today/typed/parse/read',
    ],
  ];
  for (const kind of KINDS) {
    for (const size of sizes) {
      const row = DECODERS.map((decoder) => runCell(kind, size, decoder));
      cells.push(...row);
      const [today, typed, parse, read] = row as [Cell, Cell, Cell, Cell];
      const speed = (c: Cell) => (c.error ? `failed: ${c.error}` : formatNumber(c.mbPerCpuSecond));
      const line = [
        kind,
        `${size} (${formatNumber(row.find((c) => c.bodyBytes > 0)?.bodyBytes)} B)`,
        speed(today),
        speed(typed),
        speed(parse),
        speed(read),
        ratio(parse.mbPerCpuSecond, today.mbPerCpuSecond),
        ratio(read.mbPerCpuSecond, today.mbPerCpuSecond),
        ratio(parse.mbPerCpuSecond, typed.mbPerCpuSecond),
        ratio(read.mbPerCpuSecond, typed.mbPerCpuSecond),
        row.map((c) => formatNumber(c.peakRssGrowthMb)).join(' / '),
        row.map((c) => formatNumber(c.heapAfterMb)).join(' / '),
      ];
      lines.push(line);
      console.log(`| ${line.join(' | ')} |`);
    }
  }
  const table = [lines[0]!, lines[0]!.map(() => '---'), ...lines.slice(1)]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
  console.log(`\n${table}\n`);
  const record = { startedAt: new Date().toISOString(), machine, cells };
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `json-decode-${record.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`record: ${path.relative(repoRoot, file)}`);
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1] as Kind, args[2]!, args[3] as Decoder);
else parent(args);
