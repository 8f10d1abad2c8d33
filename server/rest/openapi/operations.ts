import { HTTP_STATUS } from '../../wire/http-status.js';
import { type JsonSchema, ref } from './schemas.js';

/** An HTTP method the REST app serves routes on. */
export type HttpMethod = 'get' | 'post';

/**
 * One route of the REST app, as the OpenAPI document describes it: the one source the document
 * (and the docs routes' own registration) is built from. A test walks the express router and
 * checks that it serves exactly these routes.
 */
export interface RouteOperation {
  method: HttpMethod;
  /**
   * Express-style path (`:name` is the model, `:version` its version). With `model` set, the
   * part after `/v2/models/:name`, and the route exists with and without `/versions/:version`.
   */
  path: string;
  model?: boolean;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Extra parameters (components/parameters names), besides the path's own. */
  parameters?: readonly string[];
  requestBody?: JsonSchema;
  /** Answers that are not `{"error": …}` (by status). */
  responses: Record<string, JsonSchema>;
  /** Statuses answered with `{"error": "…"}` (each mapped from the error table). */
  errors: readonly number[];
  /** A WebSocket upgrade, served by the HTTP server's `upgrade` handler rather than by express. */
  websocket?: boolean;
  /** `x-…` extensions. */
  extensions?: Record<`x-${string}`, unknown>;
}

/** Every status the error table maps to, lowest first. */
export const ERROR_STATUSES: readonly number[] = [...new Set(Object.values(HTTP_STATUS))].sort(
  (a, b) => a - b,
);

/** Express-style paths of an operation: one, or two for a model route (unversioned first). */
export function expressPaths(op: Pick<RouteOperation, 'path' | 'model'>): string[] {
  if (!op.model) return [op.path];
  return [`/v2/models/:name${op.path}`, `/v2/models/:name/versions/:version${op.path}`];
}

/** Express path parameters under their names in the document (MLServer's). */
const PARAMETER_NAMES: Record<string, string> = { name: 'model_name', version: 'model_version' };

/** `/v2/models/:name/infer` → `/v2/models/{model_name}/infer`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, (_, param: string) => `{${PARAMETER_NAMES[param] ?? param}}`);
}

const json = (schema: string, description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
});

const html = (description: string): JsonSchema => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

const inferenceBody: JsonSchema = {
  required: true,
  description:
    'An `InferenceRequest` as JSON (read whatever the `Content-Type`; `Content-Encoding: gzip` or ' +
    "`deflate` is inflated), or Triton's binary tensor extension: the JSON header " +
    '(`Inference-Header-Content-Length` bytes) followed by the raw bytes of every input whose ' +
    '`parameters.binary_data_size` is set, in order. With a header length of 0 the whole body is ' +
    'the single input of a one-input model.',
  content: {
    'application/json': {
      schema: ref('InferenceRequest'),
      examples: { request: { $ref: '#/components/examples/InferenceRequest' } },
    },
    'application/octet-stream': {
      schema: { type: 'string', contentMediaType: 'application/octet-stream' },
    },
  },
};

const inferenceParameters = ['InferenceHeaderContentLength', 'ContentEncoding', 'RequestId'] as const;

const unaryResponse: JsonSchema = {
  description:
    'The `InferenceResponse` as JSON, or, when any output was asked for binary ' +
    '(`outputs[].parameters.binary_data`, `parameters.binary_data_output`), the JSON header ' +
    '(`Inference-Header-Content-Length` bytes) followed by those outputs’ raw bytes. ' +
    "A runtime's `parameters.headers` become HTTP headers.",
  headers: {
    'Inference-Header-Content-Length': { $ref: '#/components/headers/InferenceHeaderContentLength' },
  },
  content: {
    'application/json': { schema: ref('InferenceResponse') },
    'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
  },
};

const sseResponse: JsonSchema = {
  description:
    'Server-Sent Events, one `data: <InferenceResponse JSON>` event per response (the framing ' +
    'MLServer sends). A failure after the first event is a final `event: error` with ' +
    '`data: {"error": "…"}`; failures before it are normal error statuses. The first response’s ' +
    '`parameters.headers` become the stream’s HTTP headers.',
  content: {
    'text/event-stream': {
      schema: { type: 'string', description: 'An event stream; each `data:` line holds one JSON object.' },
    },
  },
  'x-sse-events': {
    message: { description: 'Each response, as `data: <json>`.', schema: ref('InferenceResponse') },
    error: { description: 'The last event when the stream fails after it started.', schema: ref('Error') },
  },
};

const websocketDescription =
  'A WebSocket session (`Upgrade: websocket`; OpenAPI has no WebSocket type, so this GET stands ' +
  'for the upgrade and `x-websocket` describes the messages). Each text message from the client ' +
  'is an `InferenceRequest` JSON; a binary message is the raw little-endian bytes of the ' +
  "model's streaming input (`session.binary_input` in its model-settings; the free dimension " +
  'sized by the message); an empty message ends the input. The server sends each response as an ' +
  '`InferenceResponse` JSON text message; a request it cannot use is answered `{"error", "id"}` ' +
  'and the session goes on; a failure of the session sends `{"error"}` and closes it with 4000 + ' +
  'the HTTP status of the error (1001 when the server or the model goes away, 1009 for a message ' +
  'over the size limit); the end of the session closes with 1000. Everything refused before the ' +
  'handshake is an HTTP status with `{"error"}`, as over REST, and 403 for an `Origin` that ' +
  '`cors_settings` does not allow (browsers apply no CORS to WebSockets, so the server checks). ' +
  'With tokens set, send `Authorization: Bearer <token>` (or the API-key header); a browser, which ' +
  'cannot set headers on a WebSocket, may send `?access_token=<token>`.';

/** Every close code a WebSocket session ends with. */
export const WEBSOCKET_CLOSE_CODES: Readonly<Record<string, string>> = {
  '1000': 'the session ended normally',
  '1001': 'the server is shutting down, or the model went away (unavailable)',
  '1009': 'a message over the size limit (payload_too_large)',
  '4400': 'invalid request (invalid_argument)',
  '4401': 'no valid token (unauthenticated)',
  '4403': 'the token does not open this (permission_denied)',
  '4404': 'unknown model or version (not_found)',
  '4415': 'unsupported media type',
  '4429': 'too many sessions or requests (overloaded)',
  '4499': 'cancelled',
  '4500': 'runtime failure, model load failure, unexpected error (internal, load_failed)',
  '4501': 'not implemented by the model (unimplemented)',
  '4503': 'model not ready (model_not_ready)',
  '4504': 'deadline exceeded',
};

const websocketExtension = {
  'x-websocket': {
    clientMessages: {
      text: ref('InferenceRequest'),
      binary: "The raw little-endian bytes of the model's streaming input; an empty message ends the input.",
    },
    serverMessages: { text: ref('WebSocketServerMessage') },
    closeCodes: WEBSOCKET_CLOSE_CODES,
  },
} as const;

const websocketResponses: Record<string, JsonSchema> = {
  '101': {
    description: 'Switching Protocols: the WebSocket session starts.',
    headers: {
      Upgrade: { schema: { type: 'string', const: 'websocket' } },
      Connection: { schema: { type: 'string', const: 'Upgrade' } },
      'Sec-WebSocket-Accept': { schema: { type: 'string' } },
    },
  },
  '403': json('Error', '`Origin` not allowed by `cors_settings` (answered before the upgrade).'),
};

const modelDocsErrors = [404, 500, 503];

/** Every route the REST app serves (root_path repeats them under its prefix). */
export const OPERATIONS: readonly RouteOperation[] = [
  {
    method: 'get',
    path: '/v2/health/live',
    operationId: 'server_live',
    tag: 'health',
    summary: 'Server liveness',
    responses: { '200': json('LiveResponse', 'The server process is up.') },
    errors: [500],
  },
  {
    method: 'get',
    path: '/v2/health/ready',
    operationId: 'server_ready',
    tag: 'health',
    summary: 'Server readiness',
    description:
      'False while models load, while any failed to load (`ready_requires_all_models`), with none ' +
      'loaded (`ready_without_models`) and during shutdown.',
    responses: {
      '200': json('ReadyResponse', 'Ready.'),
      '400': json('ReadyResponse', 'Not ready (`{"ready": false}`).'),
    },
    errors: [500],
  },
  {
    method: 'get',
    path: '/v2',
    operationId: 'server_metadata',
    tag: 'metadata',
    summary: 'Server metadata: name, version, protocol extensions',
    responses: { '200': json('MetadataServerResponse', 'The server.') },
    errors: [500],
  },
  {
    method: 'get',
    path: '/ready',
    model: true,
    operationId: 'model_ready',
    tag: 'health',
    summary: 'Model readiness',
    responses: {
      '200': json('ModelReadyResponse', 'Ready.'),
      '400': json('ModelReadyResponse', 'Not ready (loading, unloading, failed).'),
    },
    errors: [404, 500],
  },
  {
    method: 'get',
    path: '',
    model: true,
    operationId: 'model_metadata',
    tag: 'metadata',
    summary: 'Model metadata: platform, versions, input and output tensors',
    responses: { '200': json('MetadataModelResponse', 'The model.') },
    errors: [404, 500, 503],
  },
  ...(['infer', 'generate'] as const).map(
    (verb): RouteOperation => ({
      method: 'post',
      path: `/${verb}`,
      model: true,
      operationId: `model_${verb}`,
      tag: 'inference',
      summary: verb === 'infer' ? 'Inference' : 'Inference (`generate`: the same as `infer`, as in MLServer)',
      parameters: inferenceParameters,
      requestBody: inferenceBody,
      responses: { '200': unaryResponse },
      errors: ERROR_STATUSES,
    }),
  ),
  ...(['infer_stream', 'generate_stream'] as const).flatMap((verb): RouteOperation[] => [
    {
      method: 'post',
      path: `/${verb}`,
      model: true,
      operationId: `model_${verb}`,
      tag: 'streaming',
      summary: 'Streaming inference over Server-Sent Events',
      parameters: inferenceParameters,
      requestBody: inferenceBody,
      responses: { '200': sseResponse },
      errors: ERROR_STATUSES,
    },
    {
      method: 'get',
      path: `/${verb}`,
      model: true,
      operationId: `model_${verb}_websocket`,
      tag: 'streaming',
      summary: 'Streaming inference over a WebSocket (upgrade)',
      description: websocketDescription,
      parameters: ['SessionId', 'Upgrade', 'SecWebSocketKey', 'SecWebSocketVersion', 'Origin'],
      responses: websocketResponses,
      errors: [400, 401, 403, 404, 429, 500, 501, 503],
      websocket: true,
      extensions: websocketExtension,
    },
  ]),
  {
    method: 'get',
    path: '/sessions/:session/events',
    model: true,
    operationId: 'model_session_events',
    tag: 'streaming',
    summary: "Another client's view of an open session: its responses as Server-Sent Events",
    description:
      'Every response the session produces from now on, as `data:` events (audio in over a WebSocket, transcripts out to a page). A subscriber that falls 256 responses behind gets a final `event: error`; the stream ends with the session.',
    responses: { '200': sseResponse },
    errors: [404, 500],
  },
  {
    method: 'post',
    path: '/v2/repository/index',
    operationId: 'repository_index',
    tag: 'repository',
    summary: 'Every model version the repository holds, loaded or not',
    requestBody: {
      required: false,
      content: { 'application/json': { schema: ref('RepositoryIndexRequest') } },
    },
    responses: { '200': json('RepositoryIndexResponse', 'Models, by name then version.') },
    errors: [400, 413, 500],
  },
  {
    method: 'post',
    path: '/v2/repository/models/:name/load',
    operationId: 'repository_model_load',
    tag: 'repository',
    summary: 'Load a model, or reload it (the new instance loads before the old one is unloaded)',
    responses: { '200': json('RepositoryModelResponse', 'Loaded (`READY`).') },
    errors: [404, 500, 503],
  },
  {
    method: 'post',
    path: '/v2/repository/models/:name/unload',
    operationId: 'repository_model_unload',
    tag: 'repository',
    summary: 'Unload every version of a model (in-flight requests get the grace period)',
    responses: { '200': json('RepositoryModelResponse', 'Unloaded (`UNAVAILABLE`).') },
    errors: [404, 500],
  },
  {
    method: 'get',
    path: '/v2/models/stats',
    operationId: 'statistics',
    tag: 'triton',
    summary: "Triton's statistics extension: every model version",
    responses: { '200': json('StatisticsResponse', 'Counts and nanosecond durations.') },
    errors: [500],
  },
  {
    method: 'get',
    path: '/stats',
    model: true,
    operationId: 'model_statistics',
    tag: 'triton',
    summary: "Triton's statistics extension: one model",
    responses: { '200': json('StatisticsResponse', 'Counts and nanosecond durations.') },
    errors: [404, 500],
  },
  {
    method: 'get',
    path: '/config',
    model: true,
    operationId: 'model_config',
    tag: 'triton',
    summary: "Triton's model configuration extension",
    responses: { '200': json('ModelConfigResponse', 'The configuration, derived from model-settings.json.') },
    errors: [404, 500, 503],
  },
  {
    method: 'get',
    path: '/v2/docs',
    operationId: 'docs',
    tag: 'docs',
    summary: 'Swagger UI for this document',
    responses: { '200': html('Swagger UI (served from the swagger-ui-dist package).') },
    errors: [500],
  },
  {
    method: 'get',
    path: '/v2/docs/dataplane.json',
    operationId: 'openapi',
    tag: 'docs',
    summary: 'This OpenAPI 3.1 document',
    responses: {
      '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } },
    },
    errors: [500],
  },
  {
    method: 'get',
    path: '/v2/docs/swagger-ui/:file',
    operationId: 'docs_asset',
    tag: 'docs',
    summary: "Swagger UI's files",
    parameters: ['SwaggerUiFile'],
    responses: {
      '200': {
        description: 'The file.',
        content: {
          'text/css': { schema: { type: 'string' } },
          'text/javascript': { schema: { type: 'string' } },
          'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
        },
      },
    },
    errors: [404],
  },
  {
    method: 'get',
    path: '/docs',
    model: true,
    operationId: 'model_docs',
    tag: 'docs',
    summary: "Swagger UI for one model's document",
    responses: { '200': html("Swagger UI for the model's document.") },
    errors: modelDocsErrors,
  },
  {
    method: 'get',
    path: '/docs/dataplane.json',
    model: true,
    operationId: 'model_openapi',
    tag: 'docs',
    summary: "One model's OpenAPI document: its routes, with its input and output tensors",
    responses: {
      '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } },
    },
    errors: modelDocsErrors,
  },
  {
    method: 'get',
    path: '/examples/asr/',
    operationId: 'example_page',
    tag: 'examples',
    summary: 'The live speech page',
    description:
      "A page that streams a WAV file or the microphone over WebSocket to the `vad-asr` model and shows partial and final transcripts with the `vad` model's speech segments on a waveform. Served from `examples/speech-page/` while the setting `static_examples` is on (404 otherwise).",
    responses: { '200': html('The page.') },
    errors: [404],
  },
  {
    method: 'get',
    path: '/examples/asr/:asset',
    operationId: 'example_asset',
    tag: 'examples',
    summary: "The speech page's scripts and style sheet",
    parameters: ['ExamplePageFile'],
    responses: {
      '200': {
        description: 'The file.',
        content: {
          'text/javascript': { schema: { type: 'string' } },
          'text/css': { schema: { type: 'string' } },
        },
      },
    },
    errors: [404],
  },
];
