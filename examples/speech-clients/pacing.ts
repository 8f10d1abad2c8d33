import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Yields each frame when its audio would have been recorded: frame i at start + i × `frameMs` /
 * `speed` (a real-time microphone at speed 1; 0 or Infinity sends as fast as the socket takes
 * them). The schedule is absolute, so a late frame does not delay the ones after it.
 */
export async function* paced<T>(frames: readonly T[], frameMs: number, speed = 1): AsyncGenerator<T> {
  const start = performance.now();
  for (const [i, frame] of frames.entries()) {
    if (speed > 0 && Number.isFinite(speed)) {
      const wait = start + (i * frameMs) / speed - performance.now();
      if (wait > 0) await sleep(wait);
    }
    yield frame;
  }
}
