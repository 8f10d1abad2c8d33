import type fc from 'fast-check';

/**
 * How hard the fuzz suites push. `npm test` runs them bounded, with a fixed seed, so CI sees
 * the same inputs every time; `npm run test:soak` sets FUZZ_SOAK=1 (runs ×20, a random seed
 * printed on failure). FUZZ_SEED and FUZZ_RUNS_FACTOR override either.
 */
export const SOAK = process.env.FUZZ_SOAK === '1';

const factor = Number(process.env.FUZZ_RUNS_FACTOR ?? (SOAK ? 20 : 1));

/** The seed of every property (fixed in CI). */
export const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : SOAK
    ? Date.now() % 2 ** 31
    : 20261130;

/** `base` runs, scaled for a soak. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * factor));
}

/** fast-check parameters: the seed, the runs, and no shrinking marathon in CI. */
export function fcParameters<T>(base: number): fc.Parameters<T> {
  return { numRuns: runs(base), seed: SEED, endOnFailure: !SOAK, verbose: 1 };
}

/** How long one request may take before it counts as a hang (a busy 2-core machine is slow). */
export const REQUEST_TIMEOUT_MS = 20_000;

/** Jest's limit for one property: its runs, with room for a slow machine. */
export function testTimeout(base: number, perRunMs = 200): number {
  return 60_000 + runs(base) * perRunMs;
}

/**
 * How many of something an abuse scenario does: `ci` in `npm test`, `soak` in `npm run
 * test:soak` (chosen per scenario: a flood ×20 would pass the open-file limit, not test more).
 */
export function abuseCount(ci: number, soak: number): number {
  return SOAK ? soak : ci;
}

/** Jest's limit for an abuse test: `ms` in CI, ten times that in a soak. */
export function abuseTimeout(ms: number): number {
  return SOAK ? ms * 10 : ms;
}
