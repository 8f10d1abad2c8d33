import { readFileSync } from 'node:fs';

/** The machine's CPU time so far, all cores together, from the `cpu` line of `/proc/stat`. */
export interface MachineCpu {
  /** Microseconds spent running anything (user, nice, system, irq, softirq, steal). */
  busyMicros: number;
  /** Microseconds of every state, idle and iowait included. */
  totalMicros: number;
}

/** Linux's USER_HZ, 100 on every mainstream kernel. */
const CLOCK_TICKS = 100;

/** Reads the machine's CPU time (NaN figures where `/proc/stat` cannot be read). */
export function readMachineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map((field) => (Number(field) * 1e6) / CLOCK_TICKS);
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return { busyMicros: busy, totalMicros: busy + idle! + iowait! };
  } catch {
    return { busyMicros: Number.NaN, totalMicros: Number.NaN };
  }
}
