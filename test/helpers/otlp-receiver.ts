import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { BinaryReader, type WireType } from '@bufbuild/protobuf/wire';

/** One span as an OTLP receiver got it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  /** The resource attributes of the batch it came in (service.name, …). */
  resource: Record<string, string | number | boolean>;
}

/** A local OTLP receiver started by a test: the spans it got, how it was reached. */
export interface OtlpReceiver {
  /** What `tracing_server` must say to reach it. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Resolves once `check` holds for the spans received (no time limit but the test's). */
  until(check: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/**
 * Starts an OTLP trace receiver on a free port: over gRPC (`host:port`, the collector service
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export`) or over HTTP (`POST /v1/traces`,
 * protobuf bodies). It decodes `ExportTraceServiceRequest` itself (no collector, no generated code).
 */
export async function startOtlpReceiver(kind: 'grpc' | 'http'): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  const receive = (bytes: Uint8Array) => {
    spans.push(...decodeExportRequest(bytes));
    for (const waiter of waiters) waiter();
  };
  const until = async (check: (spans: ReceivedSpan[]) => boolean) => {
    while (!check(spans)) {
      await new Promise<void>((resolve) => {
        waiters.add(resolve);
        setTimeout(resolve, 50);
      });
    }
    return spans;
  };
  if (kind === 'grpc') {
    const server = new grpc.Server();
    const identity = (b: Buffer) => b;
    server.addService(
      {
        Export: {
          path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: () => Buffer.alloc(0),
          responseDeserialize: identity,
        },
      },
      {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          receive(call.request);
          callback(null, Buffer.alloc(0));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    return {
      endpoint: `127.0.0.1:${port}`,
      spans,
      until,
      close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    };
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') receive(Buffer.concat(chunks));
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    until,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Attributes = Record<string, string | number | boolean>;

/** Reads the length-delimited fields of a message: calls `on(field, reader)` for each, skips the rest. */
function fields(
  bytes: Uint8Array,
  on: (field: number, wireType: WireType, reader: BinaryReader) => boolean,
): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!on(field, wireType, reader)) reader.skip(wireType);
  }
}

function decodeExportRequest(bytes: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  fields(bytes, (field, _wt, reader) => {
    if (field !== 1) return false;
    let resource: Attributes = {};
    const scopeSpans: Uint8Array[] = [];
    fields(reader.bytes(), (f, _w, r) => {
      if (f === 1)
        fields(r.bytes(), (rf, _rw, rr) => (rf === 1 ? addAttribute(resource, rr.bytes()) : false));
      else if (f === 2) scopeSpans.push(r.bytes());
      else return false;
      return true;
    });
    resource = { ...resource };
    for (const scope of scopeSpans) {
      fields(scope, (f, _w, r) => {
        if (f !== 2) return false;
        spans.push({ ...decodeSpan(r.bytes()), resource });
        return true;
      });
    }
    return true;
  });
  return spans;
}

function decodeSpan(bytes: Uint8Array): Omit<ReceivedSpan, 'resource'> {
  const span: Omit<ReceivedSpan, 'resource'> = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    statusCode: 0,
    statusMessage: '',
  };
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  fields(bytes, (field, _wt, reader) => {
    switch (field) {
      case 1:
        span.traceId = hex(reader.bytes());
        return true;
      case 2:
        span.spanId = hex(reader.bytes());
        return true;
      case 4:
        span.parentSpanId = hex(reader.bytes());
        return true;
      case 5:
        span.name = reader.string();
        return true;
      case 6:
        span.kind = reader.int32();
        return true;
      case 9:
        addAttribute(span.attributes, reader.bytes());
        return true;
      case 15:
        fields(reader.bytes(), (f, _w, r) => {
          if (f === 2) span.statusMessage = r.string();
          else if (f === 3) span.statusCode = r.int32();
          else return false;
          return true;
        });
        return true;
      default:
        return false;
    }
  });
  return span;
}

/** Decodes a KeyValue (key 1, AnyValue 2: string 1, bool 2, int64 3, double 4) into `into`. */
function addAttribute(into: Attributes, bytes: Uint8Array): boolean {
  let key = '';
  let value: string | number | boolean = '';
  fields(bytes, (field, _wt, reader) => {
    if (field === 1) key = reader.string();
    else if (field === 2)
      fields(reader.bytes(), (f, _w, r) => {
        if (f === 1) value = r.string();
        else if (f === 2) value = r.bool();
        else if (f === 3) value = Number(r.int64());
        else if (f === 4) value = r.double();
        else return false;
        return true;
      });
    else return false;
    return true;
  });
  into[key] = value;
  return true;
}
