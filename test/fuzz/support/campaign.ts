import { FigureCounter, mb, type TransportFigures, writeFigures } from './figures.js';
import { descriptorsOf, RssSampler, settleTo, socketsInProcess } from './resources.js';

/** What a campaign checks once a transport's run is over. */
export interface RunChecks {
  /** Closes every client connection the run opened (before handles are counted). */
  closeClients(): Promise<void>;
  /** Sessions the server still has open (in-process: `dataplane.openSessions`; CLI: its metrics). */
  openSessions?: () => number | Promise<number>;
}

/**
 * One suite's fuzzing of a server: each transport's run is counted, and measured around it
 * (RSS before, peak and after; sockets or descriptors and sessions left once its clients have
 * closed). `finish` writes the figures for the README.
 */
export class Campaign {
  private readonly figures: TransportFigures[] = [];

  /** `pid`: the CLI process to measure; none: this process (an in-process server). */
  constructor(
    readonly suite: string,
    private readonly pid?: number,
  ) {}

  /**
   * Handles the server holds: descriptors of the CLI process (none once it has exited), or TCP
   * sockets of this one.
   */
  handles(): number {
    if (this.pid === undefined) return socketsInProcess();
    try {
      return descriptorsOf(this.pid);
    } catch {
      return 0;
    }
  }

  /** Runs one transport's fuzzing and records its figures; resolves with them. */
  async run(
    transport: string,
    body: (counter: FigureCounter) => Promise<void>,
    checks: RunChecks,
  ): Promise<TransportFigures> {
    const counter = new FigureCounter(transport, this.pid === undefined ? 'in-process' : 'CLI');
    this.figures.push(counter.figures);
    const baseline = this.handles();
    const sampler = new RssSampler(this.pid ?? 'self');
    try {
      const t0 = Date.now();
      await body(counter);
      if (process.env.FUZZ_DEBUG) console.log(`${transport}: body ${Date.now() - t0} ms`);
    } finally {
      await checks.closeClients();
      const after = sampler.stop();
      const figures = counter.figures;
      figures.rssBeforeMb = mb(sampler.before);
      figures.rssPeakMb = mb(sampler.peak);
      figures.rssAfterMb = mb(after);
      figures.leakedHandles = Math.max(0, (await settleTo(() => this.handles(), baseline)) - baseline);
      figures.leakedSessions = checks.openSessions ? await settleTo(checks.openSessions, 0) : 0;
      if (process.env.FUZZ_DEBUG) console.log(`${transport}: settled ${Date.now() - sampler.startedAt} ms`);
    }
    return counter.figures;
  }

  /** Writes every run's figures (call in afterAll). */
  finish(): void {
    if (this.figures.length > 0) writeFigures(this.suite, this.figures);
  }
}
