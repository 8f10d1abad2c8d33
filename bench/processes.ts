import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A process the bench started (the server or a baseline), with what its log told us. */
export interface BenchProcess {
  name: string;
  pid: number;
  /** Ports read from the log, by the names of `portPatterns`. */
  ports: Record<string, number>;
  /** Every line it printed so far (stdout and stderr). */
  readonly log: string[];
  /** Resident memory now, KiB (from `/proc/<pid>/status`). */
  rssKiB(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** How to start a process and learn its ports. */
export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Regexes whose first group is a port; `required` ones must appear before start resolves. */
  portPatterns: Record<string, { pattern: RegExp; required: boolean }>;
  timeoutMs: number;
}

/** Resident set size of a process, KiB, or NaN when it cannot be read (not Linux, exited). */
export function readRssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system) a process has used so far, in microseconds (from `/proc/<pid>/stat`,
 * 10 ms resolution), or NaN when it cannot be read.
 */
export function readCpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ (`getconf CLK_TCK`), 100 on every mainstream kernel. */
const CLOCK_TICKS = 100;

/**
 * Spawns a process and resolves once every required port has been logged. Optional ports are
 * picked up whenever their line appears (check `ports` later).
 */
export function startProcess(options: StartOptions): Promise<BenchProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const ports: Record<string, number> = {};
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: BenchProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    ports,
    log,
    rssKiB: () => readRssKiB(child.pid ?? -1),
    stop: (graceMs = 5000) => stopChild(child, exited, graceMs),
  };
  return new Promise((resolve, reject) => {
    const required = Object.entries(options.portPatterns).filter(([, p]) => p.required);
    const timer = setTimeout(() => {
      void handle.stop(0);
      reject(
        new Error(
          `${options.name} logged no port within ${options.timeoutMs} ms:\n${log.slice(-20).join('\n')}`,
        ),
      );
    }, options.timeoutMs);
    const onLine = (line: string) => {
      log.push(line);
      for (const [key, { pattern }] of Object.entries(options.portPatterns)) {
        const match = pattern.exec(line);
        if (match && ports[key] === undefined) ports[key] = Number(match[1]);
      }
      if (required.every(([key]) => ports[key] !== undefined)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    splitLines(child.stdout!, onLine);
    splitLines(child.stderr!, onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name} exited (${code ?? signal}) before it was ready:\n${log.slice(-20).join('\n')}`,
        ),
      );
    });
  });
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Arguments that make `node` run a TypeScript file through tsx. */
export function tsxArgs(file: string, ...args: string[]): string[] {
  return ['--import', 'tsx', file, ...args];
}
