import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Call, CallObserver, RuntimeCall, RuntimeMethod } from '../call.js';
import { statusText } from '../call-status.js';

/** The parts of OpenTelemetry the tracer uses, loaded only when tracing is on (see `loadTracing`). */
export interface OtelParts {
  tracer: Tracer;
  /** The parent context a call's W3C headers name (`traceparent`, `tracestate`), or the root. */
  parentOf(headers: Readonly<Record<string, string>>): Context;
  /** A context whose current span is `span`: the parent of its children. */
  withSpan(span: Span): Context;
  /** OpenTelemetry's enum values, read from the loaded API. */
  kinds: { server: number; internal: number };
  errorStatus: number;
}

/** Operations never traced: health probes, as MLServer leaves them out. */
const UNTRACED = /\/v2\/health\/|^(ServerLive|ServerReady)$|^\/grpc\.health\.v1\.Health\//;

/**
 * The tracer, fed by the core's observation point: one span per call (kind SERVER, named by its
 * operation: `POST /v2/models/:name/infer`, `ModelInfer`, …), a child of the span the client's
 * `traceparent` names, and one child span per runtime call (`predict`, `predictStream`), whose
 * `traceparent` the runtime receives in its context. Spans get explicit parents: no context
 * manager is installed (an AsyncLocalStorage makes every promise of the process slower). Until
 * `attach` gives it OpenTelemetry (loaded when the server starts), it traces nothing.
 */
export class CallTracer implements CallObserver {
  private otel: OtelParts | undefined;
  private readonly spans = new WeakMap<Call, Span>();

  /** Starts tracing with the loaded OpenTelemetry parts. */
  attach(otel: OtelParts): void {
    this.otel = otel;
  }

  onCallStart(call: Call): void {
    const otel = this.otel;
    if (!otel || UNTRACED.test(call.operation)) return;
    const span = otel.tracer.startSpan(
      call.operation,
      { kind: otel.kinds.server, startTime: call.startedAtDate, attributes: startAttributes(call) },
      otel.parentOf(call.headers),
    );
    this.spans.set(call, span);
  }

  onCallEnd(call: Call): void {
    const span = this.spans.get(call);
    if (!span || !this.otel) return;
    this.spans.delete(call);
    span.setAttributes(endAttributes(call));
    if (call.error) span.setStatus({ code: this.otel.errorStatus, message: call.error.message });
    span.end();
  }

  onRuntimeCall(call: Call, method: RuntimeMethod): RuntimeCall | undefined {
    const parent = this.spans.get(call);
    const otel = this.otel;
    if (!parent || !otel) return undefined;
    const span = otel.tracer.startSpan(
      method,
      {
        kind: otel.kinds.internal,
        attributes: {
          'mlserver.model': call.model?.name,
          'mlserver.model_version': call.model?.version,
          'mlserver.request_id': call.id,
        },
      },
      otel.withSpan(parent),
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    return {
      traceparent: `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`,
      end: (error?: unknown) => {
        if (error !== undefined)
          span.setStatus({
            code: otel.errorStatus,
            message: error instanceof Error ? error.message : String(error),
          });
        span.end();
      },
    };
  }
}

function startAttributes(call: Call): Attributes {
  const attributes: Attributes = {
    'mlserver.transport': call.transport,
    'mlserver.operation': call.operation,
    'mlserver.request_id': call.id,
  };
  if (call.transport === 'grpc') {
    attributes['rpc.system'] = 'grpc';
    attributes['rpc.method'] = call.operation.split('/').pop();
  } else {
    const space = call.operation.indexOf(' ');
    attributes['http.request.method'] = call.operation.slice(0, space);
    attributes['http.route'] = call.operation.slice(space + 1);
  }
  return attributes;
}

function endAttributes(call: Call): Attributes {
  const attributes: Attributes = {
    'mlserver.model': call.model?.name,
    'mlserver.model_version': call.model?.version,
    'mlserver.status': statusText(call),
    'mlserver.responses': call.responses,
    'mlserver.bytes_out': call.bytesOut,
    'mlserver.error': call.error?.message,
  };
  if (call.transport === 'grpc') attributes['rpc.grpc.status_code'] = call.status;
  else if (call.transport === 'ws') attributes['websocket.close_code'] = call.status;
  else attributes['http.response.status_code'] = call.status;
  return attributes;
}
