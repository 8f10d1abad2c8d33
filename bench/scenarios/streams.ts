import type { Scenario } from '../context.js';
import { runClosedLoop } from '../load/closed-loop.js';
import { longLivedStreams, streamPerRequestOp } from '../load/grpc-load.js';
import { sseAgent, sseStreamOp } from '../load/sse-load.js';
import { fromClosedLoop } from '../measure.js';
import { IDENTITY_BODY, typedRequest } from '../payloads.js';
import { grpcRows } from './grpc-rows.js';
import { httpRows } from './http-rows.js';

/** Responses per request of the `stream6` model (and of the baselines' stream answers). */
const EVENTS = 6;

/** SSE `generate_stream` of six events per request; streams/s, events/s and time to first event. */
export const sseGenerateStream: Scenario = {
  id: 'sse-stream6',
  run(context) {
    const { config } = context;
    const spec = { id: this.id, label: 'SSE generate_stream 6 events', unit: 'streams/s', model: 'stream6' };
    return httpRows(context, spec, async (base, concurrency, key, onWindow) => {
      const agent = sseAgent(concurrency);
      try {
        const op = sseStreamOp(
          { url: new URL(`${base}/v2/models/stream6/generate_stream`), body: IDENTITY_BODY, agent },
          EVENTS,
        );
        const result = await runClosedLoop({
          concurrency,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
          op,
          onWindow,
        });
        return fromClosedLoop(key, 'streams/s', result);
      } finally {
        agent.destroy();
      }
    });
  },
};

/** gRPC `ModelStreamInfer`, one stream per request, six responses each; streams/s. */
export const grpcStreamPerRequest: Scenario = {
  id: 'grpc-stream6',
  run(context) {
    const spec = {
      id: this.id,
      label: 'gRPC ModelStreamInfer 6 responses',
      unit: 'streams/s',
      model: 'stream6',
    };
    return grpcRows(context, spec, async (client, concurrency, key, onWindow) => {
      const { config } = context;
      const result = await runClosedLoop({
        concurrency,
        warmupMs: config.warmupMs,
        durationMs: config.durationMs,
        op: streamPerRequestOp(client, typedRequest('stream6'), EVENTS),
        onWindow,
      });
      return fromClosedLoop(key, 'streams/s', result);
    });
  },
};

/**
 * gRPC `ModelStreamInfer` on long-lived streams (one per client) carrying request after request,
 * six responses each; the headline is responses (messages) per second.
 */
export const grpcLongLivedStream: Scenario = {
  id: 'grpc-long-stream',
  run(context) {
    const spec = {
      id: this.id,
      label: 'gRPC long-lived stream, 6 responses/request',
      unit: 'msg/s',
      model: 'stream6',
    };
    return grpcRows(context, spec, async (client, concurrency, key, onWindow) => {
      const { config } = context;
      const streams = longLivedStreams(client, typedRequest('stream6'), EVENTS);
      try {
        const result = await runClosedLoop({
          concurrency,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
          op: streams.op,
          onWindow,
        });
        const measured = fromClosedLoop(key, 'msg/s', result);
        // The headline is messages per second; requests per second stays in `extra`.
        return {
          ...measured,
          value: measured.extra?.msgPerS ?? measured.value,
          extra: { reqPerS: measured.value },
        };
      } finally {
        streams.close();
      }
    });
  },
};
