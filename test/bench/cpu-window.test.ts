import { runClosedLoop } from '../../bench/load/closed-loop.js';
import { readCpuMicros } from '../../bench/processes.js';

describe('server CPU per operation', () => {
  it('reads a process CPU time from /proc, NaN when there is no process', () => {
    const before = readCpuMicros(process.pid);
    let x = 0;
    for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    expect(Number.isFinite(before)).toBe(true);
    expect(readCpuMicros(process.pid)).toBeGreaterThanOrEqual(before);
    expect(readCpuMicros(undefined)).toBeNaN();
  });

  it('tells when the measured window of a closed loop opens and closes', async () => {
    const phases: string[] = [];
    await runClosedLoop({
      concurrency: 2,
      warmupMs: 5,
      durationMs: 20,
      op: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 1)),
      onWindow: (phase) => phases.push(phase),
    });
    expect(phases).toEqual(['start', 'end']);
  });
});
