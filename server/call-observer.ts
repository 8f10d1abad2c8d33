import type { Call, CallObserver } from './call.js';

/** Several observers as one: each sees every event; a throwing observer never breaks a call. */
export function observeAll(observers: readonly CallObserver[]): CallObserver | undefined {
  if (observers.length === 0) return undefined;
  if (observers.length === 1) return observers[0];
  const each = (event: keyof CallObserver, call: Call) => {
    for (const observer of observers) {
      try {
        observer[event]?.(call);
      } catch {
        // observation must never break a call
      }
    }
  };
  return {
    onCallStart: (call) => each('onCallStart', call),
    onCallResponse: (call) => each('onCallResponse', call),
    onCallEnd: (call) => each('onCallEnd', call),
  };
}
