import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { CallTracer } from './call-tracer.js';

/** What the server needs to know to trace. */
export interface TracingOptions {
  /** `tracing_server`: `host:port` (OTLP/gRPC, as MLServer) or a URL ending in `/v1/traces` (OTLP/HTTP). */
  server: string;
  /** `service.name` and `service.version` of the spans (`server_name`, `server_version`). */
  serviceName: string;
  serviceVersion: string;
}

/** Spans are exported in batches at least this often (OpenTelemetry's default is 5 s). */
const EXPORT_EVERY_MS = 1000;

/** Tracing as loaded: flushes and stops the exporter on `shutdown`. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Where spans go: an OTLP/HTTP endpoint (protobuf bodies) when `server` is a URL whose path is
 * `/v1/traces`, else an OTLP/gRPC collector at `server` (`host:port`, or an `http://` /
 * `https://` URL; plaintext unless https), as MLServer's `tracing_server` is read.
 */
export function exporterKind(server: string): { kind: 'http' | 'grpc'; url: string } {
  if (/^https?:\/\/[^/]+\/v1\/traces\/?$/.test(server)) return { kind: 'http', url: server };
  return { kind: 'grpc', url: /^https?:\/\//.test(server) ? server : `http://${server}` };
}

/**
 * Loads OpenTelemetry (only now: a server without `tracing_server` never imports it), builds a
 * tracer provider exporting in batches over OTLP, and attaches it to `tracer`. No context
 * manager and no global provider are installed: the tracer gives every span its parent.
 */
export async function loadTracing(tracer: CallTracer, options: TracingOptions): Promise<Tracing> {
  const [api, core, sdk, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
  ]);
  const target = exporterKind(options.server);
  let exporter: SpanExporter;
  if (target.kind === 'http') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    exporter = new OTLPTraceExporter({ url: target.url });
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
    exporter = new OTLPTraceExporter({ url: target.url });
  }
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.serviceVersion,
    }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: EXPORT_EVERY_MS })],
  });
  const propagator = new core.W3CTraceContextPropagator();
  tracer.attach({
    tracer: provider.getTracer('mlserver-ts', options.serviceVersion),
    parentOf: (headers) =>
      headers.traceparent
        ? propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter)
        : api.ROOT_CONTEXT,
    withSpan: (span) => api.trace.setSpan(api.ROOT_CONTEXT, span),
    kinds: { server: api.SpanKind.SERVER, internal: api.SpanKind.INTERNAL },
    errorStatus: api.SpanStatusCode.ERROR,
  });
  return { shutdown: () => provider.shutdown() };
}
