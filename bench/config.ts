/** How long and how hard a run loads each scenario. */
export interface BenchConfig {
  mode: 'quick' | 'full';
  /** Concurrent clients for every throughput scenario. */
  concurrencies: number[];
  warmupMs: number;
  durationMs: number;
  /** Streams held open at once in the concurrent-streams scenario. */
  heldStreams: number;
  /** Requests per large-tensor size (sequential, one client). */
  largeRequests: Record<string, number>;
  /** Large tensor sizes to send, in bytes of FP32 data. */
  largeSizes: number[];
  /** Only scenarios whose id contains one of these (empty: all). */
  only: string[];
  /** Where the gRPC protos are (the repo's `protos/` unless `--protos`). */
  protosDir: string;
  /** Where the bundled ONNX models are looked for (`model-repository/` unless `--model-repository`). */
  modelRepository: string;
  /** The server's built CLI (`dist/server/cli.js` unless `--cli`, e.g. to measure another build). */
  cli: string;
  /**
   * Another build's CLI (`--compare <cli>`, e.g. main's `dist/server/cli.js` in a worktree), run
   * beside this one on the same repository; rows that support it measure both servers.
   */
  compare?: string;
}

const MB = 1024 * 1024;

/**
 * Parses the bench's arguments: `--quick`, `--duration <s>` (per measured point), `--held <n>`,
 * `--only <id,…>`, `--protos <dir>`, `--cli <path>`, `--compare <cli>`, `--model-repository <dir>`.
 */
export function parseArgs(argv: readonly string[], repoRoot: string): BenchConfig {
  const quick = argv.includes('--quick');
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const duration = value('--duration');
  const held = value('--held');
  return {
    mode: quick ? 'quick' : 'full',
    concurrencies: [1, 16],
    warmupMs: quick ? 500 : 1500,
    durationMs: duration ? Number(duration) * 1000 : quick ? 1500 : 8000,
    heldStreams: held ? Number(held) : quick ? 1000 : 10_000,
    largeSizes: [4 * MB, 64 * MB],
    largeRequests: quick ? { [4 * MB]: 3, [64 * MB]: 1 } : { [4 * MB]: 20, [64 * MB]: 3 },
    only: (value('--only') ?? '').split(',').filter(Boolean),
    protosDir: value('--protos') ?? `${repoRoot}/protos`,
    modelRepository: value('--model-repository') ?? `${repoRoot}/model-repository`,
    cli: value('--cli') ?? `${repoRoot}/dist/server/cli.js`,
    compare: value('--compare'),
  };
}

/** Whether a scenario id was selected by `--only`. */
export function selected(config: BenchConfig, id: string): boolean {
  return config.only.length === 0 || config.only.some((part) => id.includes(part));
}
