import type { Call, CallObserver, RuntimeCall, RuntimeMethod } from './call.js';
import type { ModelRef } from './model-ref.js';

type CallEvent = 'onCallStart' | 'onCallResponse' | 'onCallEnd' | 'onSessionOpen';

/** Several observers as one: each sees every event; a throwing observer never breaks a call. */
export function observeAll(observers: readonly (CallObserver | undefined)[]): CallObserver | undefined {
  const present = observers.filter((o): o is CallObserver => o !== undefined);
  if (present.length === 0) return undefined;
  const each = (event: CallEvent, call: Call) => {
    for (const observer of present) {
      try {
        observer[event]?.(call);
      } catch {
        // observation must never break a call
      }
    }
  };
  const quietly = (fn: () => void) => {
    try {
      fn();
    } catch {
      // observation must never break a call
    }
  };
  return {
    onCallStart: (call) => each('onCallStart', call),
    onCallResponse: (call) => each('onCallResponse', call),
    onCallEnd: (call) => each('onCallEnd', call),
    onSessionOpen: (call) => each('onSessionOpen', call),
    onCallQueued: (call: Call, seconds: number) => {
      for (const observer of present) quietly(() => observer.onCallQueued?.(call, seconds));
    },
    onBatch: (model: ModelRef, size: number) => {
      for (const observer of present) quietly(() => observer.onBatch?.(model, size));
    },
    onRuntimeCall: (call: Call, method: RuntimeMethod) => {
      const followed: RuntimeCall[] = [];
      for (const observer of present) {
        quietly(() => {
          const runtime = observer.onRuntimeCall?.(call, method);
          if (runtime) followed.push(runtime);
        });
      }
      if (followed.length <= 1) return followed[0];
      return {
        traceparent: followed.find((r) => r.traceparent)?.traceparent,
        end: (error?: unknown) => {
          for (const runtime of followed) quietly(() => runtime.end(error));
        },
      };
    },
  };
}
