import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** The built CLI (`npm test` builds before running jest). */
export const CLI = path.resolve(import.meta.dirname, '../../dist/server/cli.js');

/** A CLI process started by a test, with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the first capture group of the first output line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** How to start the CLI process, besides its arguments and environment. */
export interface CliSpawnOptions {
  /** Run under another user and group (tests run as root; containers do not). */
  uid?: number;
  gid?: number;
  cwd?: string;
  /**
   * The command that runs the CLI; default: this node with the built `dist/server/cli.js`. A
   * command such as `npx` runs the server as a grandchild, so it gets its own process group:
   * signal it with `process.kill(-child.pid, signal)`.
   */
  command?: string[];
}

/** Starts `mlserver-ts <args>` as a real process (ports from the environment; 0 picks free ones). */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  options: CliSpawnOptions = {},
): CliProcess {
  const [program, ...prefix] = options.command ?? [process.execPath, CLI];
  const child = spawn(program!, [...prefix, ...args], {
    uid: options.uid,
    gid: options.gid,
    cwd: options.cwd,
    detached: options.command !== undefined,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      MLSERVER_HTTP_PORT: '0',
      MLSERVER_GRPC_PORT: '0',
      MLSERVER_METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForLine(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match[1] ?? match[0]);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no line matching ${pattern} in:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before printing ${pattern}:\n${output}`));
          }
        });
        check();
      });
    },
  };
}
