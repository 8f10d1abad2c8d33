/**
 * `npm run bench:proxy [-- --steps 50]`: what HAProxy in front of the replicas adds to one step
 * of each kind of call. Starts the two-replica rig (deploy/proxy) and a second HAProxy over the
 * same replicas whose SSE backend lacks `option http-no-delay`, then times one step at a time,
 * each sent only after the previous one answered: a unary REST infer, a WebSocket session step,
 * the same step as a session follower receives it over SSE, and a gRPC `ModelStreamInfer` step.
 * The baseline is the same step sent straight to a replica in the same run. Latencies are round
 * trips in milliseconds as the client sees them (the client runs on the same cores). Prints a
 * table and writes a JSON record to `bench/results/`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import { startHaproxy } from '../deploy/proxy/haproxy-process.js';
import { startProxyRig } from '../deploy/proxy/proxy-rig.js';
import { loadInferenceProto } from './load/grpc-proto.js';
import { describeMachine } from './machine.js';
import { type LatencySummary, summariseLatencies } from './stats.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function haproxyVersion(): string {
  return execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0] ?? '';
}

/** Where one column's calls go. */
interface Target {
  name: string;
  http: string;
  grpc: string;
}

const KINDS = ['REST infer', 'WebSocket step', 'SSE follower event', 'gRPC stream step'] as const;
type Kind = (typeof KINDS)[number];

const stepBody = (step: number) => ({
  inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [step] }],
  outputs: [{ name: 'total' }],
});

/** A queue of messages from a callback source, one `next()` at a time. */
function queue<T>(): { push(value: T): void; next(): Promise<T> } {
  const values: T[] = [];
  const waiters: ((value: T) => void)[] = [];
  return {
    push: (value) => {
      const waiter = waiters.shift();
      if (waiter) waiter(value);
      else values.push(value);
    },
    next: () =>
      values.length > 0 ? Promise.resolve(values.shift()!) : new Promise((resolve) => waiters.push(resolve)),
  };
}

async function timeSteps(steps: number, step: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  await step(0); // warm-up: connections, first-call paths
  for (let i = 1; i <= steps; i++) {
    const started = performance.now();
    await step(i);
    times.push(performance.now() - started);
  }
  return times;
}

async function restSteps(target: Target, steps: number): Promise<number[]> {
  return timeSteps(steps, async (i) => {
    const res = await fetch(`${target.http}/v2/models/accumulator/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(stepBody(i)),
    });
    if (res.status !== 200) throw new Error(`${target.name}: REST infer answered ${res.status}`);
    await res.arrayBuffer();
  });
}

/** WebSocket session steps; with `follow`, each step ends when a follower's SSE event arrives. */
async function sessionSteps(target: Target, steps: number, follow: boolean): Promise<number[]> {
  const id = `bench-${target.name}-${follow ? 'follow' : 'ws'}`;
  const socket = new WebSocket(
    `${target.http.replace(/^http/, 'ws')}/v2/models/accumulator/infer_stream?session_id=${id}`,
  );
  const answers = queue<string>();
  socket.on('message', (data) => answers.push(String(data)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const events = queue<string>();
  const controller = new AbortController();
  if (follow) {
    const res = await fetch(`${target.http}/v2/models/accumulator/sessions/${id}/events`, {
      signal: controller.signal,
    });
    if (res.status !== 200) throw new Error(`${target.name}: follower answered ${res.status}`);
    const parser = createParser({ onEvent: (event) => events.push(event.data) });
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    })().catch(() => undefined);
  }
  const times = await timeSteps(steps, async (i) => {
    socket.send(JSON.stringify(stepBody(i)));
    await answers.next();
    if (follow) await events.next();
  });
  socket.send(Buffer.alloc(0));
  await new Promise((resolve) => socket.once('close', resolve));
  controller.abort();
  return times;
}

async function grpcSteps(target: Target, steps: number): Promise<number[]> {
  const proto = loadInferenceProto(path.join(repoRoot, 'protos'));
  if (!proto) throw new Error('protos/: no GRPCInferenceService');
  const client = new proto.service(target.grpc, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, () => grpc.ClientDuplexStream<unknown, unknown>>;
  const stream = client.ModelStreamInfer!();
  const answers = queue<unknown>();
  stream.on('data', (message) => answers.push(message));
  stream.on('error', () => undefined);
  const times = await timeSteps(steps, async (i) => {
    stream.write({
      model_name: 'accumulator',
      inputs: [{ name: 'step', datatype: 'INT32', shape: [1], contents: { int_contents: [i] } }],
      outputs: [{ name: 'total' }],
    });
    await answers.next();
  });
  stream.end();
  await new Promise((resolve) => stream.once('status', resolve));
  client.close();
  return times;
}

async function measure(kind: Kind, target: Target, steps: number): Promise<number[]> {
  switch (kind) {
    case 'REST infer':
      return restSteps(target, steps);
    case 'WebSocket step':
      return sessionSteps(target, steps, false);
    case 'SSE follower event':
      return sessionSteps(target, steps, true);
    case 'gRPC stream step':
      return grpcSteps(target, steps);
  }
}

const steps = arg('steps', 50);
const rig = await startProxyRig({ checkInterval: '1s' });
const laggy = await startHaproxy({
  replicas: rig.replicas,
  configure: (config) => config.replace(/^ *option http-no-delay\n/m, ''),
});
try {
  const direct = rig.replicas[0]!;
  const targets: Target[] = [
    { name: 'direct', http: direct.url, grpc: `127.0.0.1:${direct.grpc_port}` },
    { name: 'haproxy', http: rig.proxy.url, grpc: `127.0.0.1:${rig.proxy.port}` },
    { name: 'haproxy without http-no-delay', http: laggy.url, grpc: `127.0.0.1:${laggy.port}` },
  ];
  const rows: { kind: Kind; target: string; latency: LatencySummary }[] = [];
  for (const kind of KINDS) {
    for (const target of targets) {
      rows.push({
        kind,
        target: target.name,
        latency: summariseLatencies(await measure(kind, target, steps)),
      });
    }
  }
  const fmt = (ms: number) => ms.toFixed(1).padStart(7);
  const width = Math.max(...KINDS.map((k) => k.length));
  console.log(`one step at a time, ${steps} steps; round trip in ms (p50 / p90)`);
  console.log(`${''.padEnd(width)}  ${targets.map((t) => t.name.padStart(32)).join('')}`);
  for (const kind of KINDS) {
    const cells = targets.map((t) => {
      const { latency } = rows.find((r) => r.kind === kind && r.target === t.name)!;
      return `${fmt(latency.p50)} / ${fmt(latency.p90)}`.padStart(32);
    });
    console.log(`${kind.padEnd(width)}  ${cells.join('')}`);
  }
  const results = path.join(repoRoot, 'bench/results');
  mkdirSync(results, { recursive: true });
  const file = path.join(results, `proxy-latency-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ machine: describeMachine(), haproxy: haproxyVersion(), steps, rows }, null, 2),
  );
  console.log(`\nwritten: ${path.relative(repoRoot, file)}`);
} finally {
  await laggy.stop();
  await rig.stop();
}
