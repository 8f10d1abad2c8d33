import type { InferenceObserver } from './dataplane.js';

/** Several observers (metrics, statistics, …) as the data plane's one: each sees every call. */
export function combineObservers(
  ...observers: (Partial<InferenceObserver> | undefined)[]
): InferenceObserver {
  const present = observers.filter((o): o is Partial<InferenceObserver> => o !== undefined);
  return {
    onInferenceDone: (...args) => {
      for (const observer of present) observer.onInferenceDone?.(...args);
    },
    onInferenceTimed: (timing) => {
      for (const observer of present) observer.onInferenceTimed?.(timing);
    },
  };
}
