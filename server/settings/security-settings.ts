import type { SchemaObject } from 'ajv';

/**
 * How long connections may idle, greet slowly or stay open, and how many there may be: the
 * settings that keep a flood of idle or slow connections from starving the server. Times in
 * seconds. All are mlserver-ts's own.
 */
export interface ConnectionSettings {
  /** A new connection (HTTP or gRPC port) must send its first bytes, and finish TLS, within this. */
  connection_handshake_timeout: number;
  /** Request line and headers must arrive within this (Node's `headersTimeout`); else 408. */
  http_headers_timeout: number;
  /** The whole request, body included, must arrive within this (Node's `requestTimeout`); 0: no limit. */
  http_request_timeout: number;
  /** An idle keep-alive connection is closed after this (Node's `keepAliveTimeout`). */
  http_keep_alive_timeout: number;
  /** Open connections on the HTTP port; beyond it new ones are closed at once. Null: no limit. */
  http_max_connections: number | null;
  /** Open connections on each gRPC port; beyond it new ones are closed at once. Null: no limit. */
  grpc_max_connections: number | null;
  /** A gRPC connection without a call for this long gets GOAWAY (`grpc.max_connection_idle_ms`). Null: never. */
  grpc_max_connection_idle: number | null;
  /** A gRPC connection older than this gets GOAWAY (`grpc.max_connection_age_ms`). Null: never. */
  grpc_max_connection_age: number | null;
  /** Calls still running that long after the age GOAWAY are cut (`grpc.max_connection_age_grace_ms`). Null: never. */
  grpc_max_connection_age_grace: number | null;
  /** The server pings a gRPC client after this long without traffic (`grpc.keepalive_time_ms`). */
  grpc_keepalive_time: number;
  /** An unanswered ping closes the connection after this (`grpc.keepalive_timeout_ms`). */
  grpc_keepalive_timeout: number;
  /** MiB of buffered HTTP/2 data a gRPC connection may hold before new calls on it are refused. Null: no limit. */
  grpc_max_session_memory: number | null;
}

/** Who may call what, over which encryption, and where model code and files may come from. */
export interface AccessSettings {
  /** Tokens that open inference and metadata (REST, gRPC, WebSocket). Null: no token needed. */
  auth_inference_tokens: string | string[] | null;
  /**
   * Tokens that open the repository API (index, load, unload); also valid for inference.
   * Null: the repository API takes the inference tokens (open when those are null too).
   */
  auth_admin_tokens: string | string[] | null;
  /** A header that may carry a token instead of `Authorization: Bearer`. Null: Bearer only. */
  auth_api_key_header: string | null;
  /** Whether `repository/models/{m}/load` and `/unload` (REST and gRPC) are served at all. */
  repository_load_unload: boolean;
  /** PEM certificate chain: REST and gRPC serve TLS when this and the key are set. */
  tls_cert_file: string | null;
  /** PEM private key of `tls_cert_file`. */
  tls_key_file: string | null;
  /** PEM CA bundle: when set, clients must present a certificate it signed (mutual TLS). */
  tls_ca_file: string | null;
  /**
   * Where `implementation` modules and `parameters.uri` may resolve: inside the model's own
   * folder, anywhere inside `model_repository_root`, or anywhere at all.
   */
  model_files_scope: ModelFilesScope;
}

/** Where model code and artefacts may resolve (setting `model_files_scope`). */
export type ModelFilesScope = 'model_folder' | 'repository' | 'any';

const seconds = (defaultValue: number) => ({ type: 'number', minimum: 0, default: defaultValue });
const optionalSeconds = (defaultValue: number | null) => ({
  type: ['number', 'null'],
  minimum: 0,
  default: defaultValue,
});
const optionalCount = { type: ['integer', 'null'], minimum: 1, default: 4096 };
const tokens = {
  type: ['string', 'array', 'null'],
  minLength: 1,
  items: { type: 'string', minLength: 1 },
  minItems: 1,
  default: null,
};
const optionalFile = { type: ['string', 'null'], minLength: 1, default: null };

/** JSON schema properties of the connection and access settings, merged into `settings.json`'s schema. */
export const securitySettingsProperties: Record<string, SchemaObject> = {
  connection_handshake_timeout: { type: 'number', exclusiveMinimum: 0, default: 10 },
  http_headers_timeout: { type: 'number', exclusiveMinimum: 0, default: 30 },
  http_request_timeout: seconds(300),
  http_keep_alive_timeout: seconds(65),
  http_max_connections: optionalCount,
  grpc_max_connections: optionalCount,
  grpc_max_connection_idle: optionalSeconds(300),
  grpc_max_connection_age: optionalSeconds(null),
  grpc_max_connection_age_grace: optionalSeconds(null),
  grpc_keepalive_time: { type: 'number', exclusiveMinimum: 0, default: 60 },
  grpc_keepalive_timeout: { type: 'number', exclusiveMinimum: 0, default: 20 },
  grpc_max_session_memory: { type: ['integer', 'null'], minimum: 1, default: null },
  auth_inference_tokens: tokens,
  auth_admin_tokens: tokens,
  auth_api_key_header: {
    type: ['string', 'null'],
    pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
    default: 'x-api-key',
  },
  repository_load_unload: { type: 'boolean', default: true },
  tls_cert_file: optionalFile,
  tls_key_file: optionalFile,
  tls_ca_file: optionalFile,
  model_files_scope: { enum: ['model_folder', 'repository', 'any'], default: 'model_folder' },
};
