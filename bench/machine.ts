import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** What the run was measured on, recorded with the figures. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Open-file limit (soft) inherited by the server and the bench. */
  openFileLimit: number;
  /** The load generators run in the bench process, on the same cores as the server and baselines. */
  loadGenerator: string;
}

function softFileLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return Number.NaN;
  }
}

/** Describes this machine. */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  const cores = cpus.length;
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    openFileLimit: softFileLimit(),
    loadGenerator: `autocannon, the SSE client and the grpc-js client run in the bench process (wrk and h2load, when installed, in their own) on the same ${cores} core(s) as the server and the baselines`,
  };
}
