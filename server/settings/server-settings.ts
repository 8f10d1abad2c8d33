import type { SchemaObject } from 'ajv';
import { readEnvFields, type SchemaType } from './env-values.js';
import { compileSettingsValidator, type UnbuiltFeature } from './schema-validator.js';
import { type ObservabilitySettings, observabilitySettingsProperties } from './observability-settings.js';
import {
  type AccessSettings,
  type ConnectionSettings,
  securitySettingsProperties,
} from './security-settings.js';

/** CORS settings, MLServer's names. */
export interface CorsSettings {
  allow_origins: string[];
  allow_origin_regex: string | null;
  allow_credentials: boolean;
  allow_methods: string[];
  allow_headers: string[];
  expose_headers: string[];
  max_age: number;
}

/**
 * The server's settings (`settings.json`), after defaults and environment overrides. Connection
 * limits, access control, TLS and the model-files scope are in `security-settings.ts`.
 */
export interface ServerSettings extends ConnectionSettings, AccessSettings, ObservabilitySettings {
  debug: boolean;
  /**
   * Worker threads of its own each model runs in, unless its model-settings (or, for ONNX, its
   * `parameters.extra.workers`) say otherwise; 0: models run in the server thread (ONNX models
   * still in workers, one per two cores). See `server/workers/placement.ts`.
   */
  parallel_workers: number;
  /**
   * Seconds after which (and every so often) a model's worker still unloading its runtime is
   * logged. Unlike MLServer's processes, a busy worker thread is never terminated: a thread
   * terminated inside native code takes the whole process down.
   */
  parallel_workers_timeout: number;
  environments_dir: string | null;
  model_repository_root: string;
  model_repository_implementation: string | null;
  model_repository_implementation_args: Record<string, unknown>;
  load_models_at_startup: boolean;
  server_name: string;
  server_version: string;
  extensions: string[];
  host: string;
  http_port: number;
  root_path: string;
  grpc_port: number;
  grpc_max_message_length: number | null;
  /**
   * mlserver-ts: a second gRPC port whose `ModelStreamInfer` speaks Triton's flavour (in-band
   * errors, `triton_final_response`), for tritonclient; null: no such listener.
   */
  grpc_triton_port: number | null;
  cors_settings: CorsSettings | null;
  metrics_endpoint: string | null;
  metrics_port: number;
  metrics_rest_server_prefix: string;
  metrics_dir: string | null;
  use_structured_logging: boolean;
  kafka_enabled: boolean;
  kafka_servers: string;
  kafka_topic_input: string;
  kafka_topic_output: string;
  cache_enabled: boolean;
  cache_size: number;
  gzip_enabled: boolean;
  /** mlserver-ts: largest accepted REST request body in Triton's binary extension, in bytes. */
  http_max_request_size: number;
  /** mlserver-ts: largest accepted JSON REST request body, in bytes (JSON tensors take 2-10× their binary size). */
  http_max_json_request_size: number;
  /** mlserver-ts: bytes of request bodies the server holds at once; more get 429. Null: no limit. */
  max_inflight_bytes: number | null;
  /** mlserver-ts: seconds in-flight requests and streams get to finish on SIGTERM/SIGINT. */
  shutdown_grace_period: number;
  /** mlserver-ts: inference calls (unary or streaming) that may run at once; more get 429. Null: no limit. */
  max_inflight_requests: number | null;
  /** mlserver-ts: seconds a unary inference may take before the client gets 504 and the runtime's signal fires; null: no limit. */
  inference_timeout: number | null;
  /** mlserver-ts: largest decoded size of one input tensor of a request, in bytes (413 beyond). */
  max_tensor_bytes: number;
  /** mlserver-ts: largest decoded size of all input tensors of one request together, in bytes. */
  max_request_tensor_bytes: number;
  /** mlserver-ts: sessions (streams, WebSocket sessions, sequences) open at once; more get 429. Null: no limit. */
  max_sessions: number | null;
  /** mlserver-ts: requests one session may have waiting for the runtime (backpressure beyond). */
  session_queue_size: number;
  /**
   * mlserver-ts: requests that may wait in one model's execution stage (for a batch, or for a
   * busy worker); more get 429 / RESOURCE_EXHAUSTED. Per model: `max_queue_size` in model-settings.
   */
  max_queue_size: number;
  /** mlserver-ts: seconds a session may go without a request or a response before it ends; 0: never. */
  session_idle_timeout: number;
  /** mlserver-ts: seconds a runtime's `load()` may take before the model is UNAVAILABLE. */
  model_load_timeout: number;
  /** mlserver-ts: whether `/v2/health/ready` stays false while any model failed to load. */
  ready_requires_all_models: boolean;
  /**
   * mlserver-ts: whether the server reports ready (`/v2/health/ready`, `ServerReady`,
   * `grpc.health.v1`) while no model is registered at all, for ModelMesh and Seldon Core 2, which
   * load models through the repository API only once the server is ready. Off by default:
   * a server with nothing to serve is not ready (MLServer #2056).
   */
  ready_without_models: boolean;
  /**
   * mlserver-ts: whether the REST port serves the example pages (`/examples/asr/`, the live
   * speech page from `examples/speech-page/`); off: those routes answer 404.
   */
  static_examples: boolean;
}

const port = { type: 'integer', minimum: 0, maximum: 65535 };
const stringList = { type: 'array', items: { type: 'string' } };

/** JSON schema of `settings.json`: MLServer's fields plus mlserver-ts's own, with defaults. */
export const serverSettingsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    debug: { type: 'boolean', default: false },
    parallel_workers: { type: 'integer', minimum: 0, maximum: 64, default: 0 },
    parallel_workers_timeout: { type: 'number', minimum: 0, default: 5 },
    environments_dir: { type: ['string', 'null'], default: null },
    model_repository_root: { type: 'string', default: '.' },
    model_repository_implementation: { type: ['string', 'null'], default: null },
    model_repository_implementation_args: { type: 'object', default: {} },
    load_models_at_startup: { type: 'boolean', default: true },
    server_name: { type: 'string', default: 'mlserver-ts' },
    server_version: { type: 'string', default: '0.1.0' },
    extensions: { ...stringList, default: [] },
    host: { type: 'string', default: '0.0.0.0' },
    http_port: { ...port, default: 8080 },
    root_path: { type: 'string', default: '' },
    grpc_port: { ...port, default: 8081 },
    grpc_max_message_length: { type: ['integer', 'null'], minimum: 1, default: null },
    grpc_triton_port: { type: ['integer', 'null'], minimum: 0, maximum: 65535, default: null },
    cors_settings: {
      type: ['object', 'null'],
      default: null,
      additionalProperties: false,
      properties: {
        allow_origins: { ...stringList, default: [] },
        allow_origin_regex: { type: ['string', 'null'], format: 'regex', default: null },
        allow_credentials: { type: 'boolean', default: false },
        allow_methods: { ...stringList, default: ['GET'] },
        allow_headers: { ...stringList, default: [] },
        expose_headers: { ...stringList, default: [] },
        max_age: { type: 'integer', minimum: 0, default: 600 },
      },
    },
    metrics_endpoint: { type: ['string', 'null'], default: '/metrics' },
    metrics_port: { ...port, default: 8082 },
    metrics_rest_server_prefix: { type: 'string', default: 'rest_server' },
    metrics_dir: { type: ['string', 'null'], default: null },
    use_structured_logging: { type: 'boolean', default: false },
    kafka_enabled: { type: 'boolean', default: false },
    kafka_servers: { type: 'string', default: 'localhost:9092' },
    kafka_topic_input: { type: 'string', default: 'mlserver-input' },
    kafka_topic_output: { type: 'string', default: 'mlserver-output' },
    cache_enabled: { type: 'boolean', default: false },
    cache_size: { type: 'integer', minimum: 0, default: 100 },
    gzip_enabled: { type: 'boolean', default: false },
    http_max_request_size: {
      type: 'integer',
      minimum: 1,
      maximum: 512 * 1024 * 1024,
      default: 128 * 1024 * 1024,
    },
    http_max_json_request_size: {
      type: 'integer',
      minimum: 1,
      maximum: 512 * 1024 * 1024,
      default: 64 * 1024 * 1024,
    },
    max_inflight_bytes: { type: ['integer', 'null'], minimum: 1, default: 512 * 1024 * 1024 },
    shutdown_grace_period: { type: 'number', minimum: 0, default: 30 },
    ready_requires_all_models: { type: 'boolean', default: true },
    model_load_timeout: { type: 'number', exclusiveMinimum: 0, default: 180 },
    inference_timeout: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
    max_tensor_bytes: { type: 'integer', minimum: 1, default: 64 * 1024 * 1024 },
    max_request_tensor_bytes: { type: 'integer', minimum: 1, default: 256 * 1024 * 1024 },
    max_sessions: { type: ['integer', 'null'], minimum: 1, default: 10000 },
    session_queue_size: { type: 'integer', minimum: 1, default: 16 },
    max_queue_size: { type: 'integer', minimum: 1, default: 10000 },
    session_idle_timeout: { type: 'number', minimum: 0, default: 60 },
    ready_without_models: { type: 'boolean', default: false },
    static_examples: { type: 'boolean', default: true },
    max_inflight_requests: { type: ['integer', 'null'], minimum: 1, default: null },
    ...securitySettingsProperties,
    ...observabilitySettingsProperties,
  },
};

/** Fields MLServer has whose feature mlserver-ts does not offer yet: only their "off" value loads. */
export const unbuiltServerFeatures: readonly UnbuiltFeature[] = [
  { field: 'environments_dir', off: [null], why: 'there are no Python environments to unpack' },
  { field: 'model_repository_implementation', off: [null], why: 'only the file-system repository exists' },
  { field: 'model_repository_implementation_args', off: [{}], why: 'only the file-system repository exists' },
  { field: 'metrics_dir', off: [null], why: 'metrics are kept in one process' },
  { field: 'kafka_enabled', off: [false], why: 'there is no Kafka server' },
  { field: 'cache_enabled', off: [false], why: 'there is no response cache' },
];

/** Validates `settings.json` content (defaults applied, frozen). */
export const serverSettingsValidator = compileSettingsValidator<ServerSettings>(
  serverSettingsSchema,
  unbuiltServerFeatures,
);

/** Reads `MLSERVER_<FIELD>` environment variables into settings fields, coerced by the schema's type. */
export function serverSettingsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return readEnvFields(
    env,
    'MLSERVER_',
    serverSettingsSchema.properties as Record<string, { type: SchemaType }>,
  );
}
