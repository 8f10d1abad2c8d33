import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/** A process the rig started: its output so far, its exit, and a way to wait for a log line. */
export interface RigProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string | null>;
  /** The first capture group of the first output line matching `pattern` (rejects if it exits first). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit; SIGKILL after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | string | null>;
}

/**
 * Spawns `command` with stdout and stderr captured; each complete line also goes to `onLine`
 * (the rig prefixes and prints them).
 */
export function startProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { onLine?: (line: string) => void } = {},
): RigProcess {
  const { onLine, ...spawnOptions } = options;
  const child = spawn(command, args, {
    ...spawnOptions,
    stdio: spawnOptions.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (onLine) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    }
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (err) => {
      output += `${err.message}\n`;
      resolve(null);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let done = false;
        const finish = (settle: () => void) => {
          if (done) return;
          done = true;
          listeners.delete(check);
          clearTimeout(timer);
          settle();
        };
        const check = () => {
          const match = pattern.exec(output);
          if (match) finish(() => resolve(match[1] ?? match[0]));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${command}: no line matching ${pattern} in:\n${output}`))),
          timeoutMs,
        );
        listeners.add(check);
        void exited.then((code) =>
          finish(() =>
            reject(new Error(`${command} exited (${code}) before printing ${pattern}:\n${output}`)),
          ),
        );
        check();
      });
    },
    async stop(signal = 'SIGTERM', killAfterMs = 60_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
