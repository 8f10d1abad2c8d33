import { parseArgs, selected } from '../../bench/config.js';

describe('bench arguments', () => {
  it('defaults to the full run: 8 s per point, 10,000 held streams, the repo protos and build', () => {
    const config = parseArgs([], '/repo');
    expect(config.mode).toBe('full');
    expect(config.concurrencies).toEqual([1, 16]);
    expect(config.durationMs).toBe(8000);
    expect(config.heldStreams).toBe(10_000);
    expect(config.protosDir).toBe('/repo/protos');
    expect(config.cli).toBe('/repo/dist/server/cli.js');
    expect(config.modelRepository).toBe('/repo/model-repository');
  });

  it('shortens everything with --quick, and takes explicit overrides', () => {
    const quick = parseArgs(['--quick'], '/repo');
    expect(quick.mode).toBe('quick');
    expect(quick.durationMs).toBe(1500);
    expect(quick.heldStreams).toBe(1000);
    const custom = parseArgs(['--quick', '--duration', '0.5', '--held', '50', '--protos', '/p'], '/repo');
    expect(custom.durationMs).toBe(500);
    expect(custom.heldStreams).toBe(50);
    expect(custom.protosDir).toBe('/p');
  });

  it('takes another build to run side by side with --compare', () => {
    expect(parseArgs([], '/repo').compare).toBeUndefined();
    expect(parseArgs(['--compare', '/main/dist/server/cli.js'], '/repo').compare).toBe(
      '/main/dist/server/cli.js',
    );
  });

  it('selects scenarios whose id contains any --only part', () => {
    const config = parseArgs(['--only', 'grpc,held-sse'], '/repo');
    expect(selected(config, 'grpc-infer-raw')).toBe(true);
    expect(selected(config, 'held-grpc')).toBe(true);
    expect(selected(config, 'held-sse')).toBe(true);
    expect(selected(config, 'rest-infer')).toBe(false);
    expect(selected(parseArgs([], '/repo'), 'rest-infer')).toBe(true);
  });
});
