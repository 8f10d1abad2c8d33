import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resident set size of a process (this one by default), in bytes, from /proc. */
export function rssOf(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Open file descriptors of a process (sockets, files, pipes). */
export function descriptorsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** TCP sockets open in this process (server and client sides alike). */
export function socketsInProcess(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

/** Samples a process's RSS every 100 ms and keeps the peak until stopped. */
export class RssSampler {
  readonly before: number;
  readonly startedAt = Date.now();
  private peakBytes: number;
  private lastBytes: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number | 'self' = 'self') {
    this.before = rssOf(pid);
    this.peakBytes = this.before;
    this.lastBytes = this.before;
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  /** Takes one sample now; false when the process is gone. */
  sample(): boolean {
    try {
      this.lastBytes = rssOf(this.pid);
      this.peakBytes = Math.max(this.peakBytes, this.lastBytes);
      return true;
    } catch {
      return false;
    }
  }

  get peak(): number {
    return this.peakBytes;
  }

  /** Stops sampling; returns the RSS now (the last seen when the process has exited). */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.lastBytes;
  }
}

/**
 * Waits (at most `timeoutMs`, polling) until `value()` is at most `target`; resolves with the
 * last value seen. Used to let closed sockets and ended sessions settle, never to time anything.
 */
export async function settleTo(
  value: () => number | Promise<number>,
  target: number,
  timeoutMs = 15_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let now = await value();
  while (now > target && Date.now() < deadline) {
    await sleep(50);
    now = await value();
  }
  return now;
}
