import { ERROR_CODES, type ErrorCode } from '../../errors.js';
import { HTTP_STATUS } from '../../wire/http-status.js';
import { SPEECH_PAGE_FILES } from '../example-page.js';
import { SWAGGER_UI_FILES } from '../swagger-ui.js';
import { ERROR_STATUSES, expressPaths, OPERATIONS, openApiPath, type RouteOperation } from './operations.js';
import { componentSchemas, type JsonSchema, ref } from './schemas.js';

/** An OpenAPI 3.1 document as a plain object. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, JsonSchema>;
    headers: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    examples: Record<string, JsonSchema>;
  };
}

/** What the document says about the server it describes. */
export interface DocumentInfo {
  /** `server_name`. */
  name: string;
  /** `server_version`. */
  version: string;
  /** The URL of the server's root, relative to the document's own URL (so root_path and proxies work). */
  serverUrl: string;
}

const TAGS = [
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'metadata', description: 'Server and model metadata' },
  { name: 'inference', description: 'Unary inference (JSON or binary tensors)' },
  { name: 'streaming', description: 'Streaming inference: Server-Sent Events and WebSocket' },
  { name: 'repository', description: 'The model repository extension' },
  { name: 'triton', description: "Triton's statistics and model configuration extensions" },
  { name: 'docs', description: 'This document and Swagger UI' },
  { name: 'examples', description: 'Example pages (setting `static_examples`)' },
];

const header = (name: string, description: string, schema: JsonSchema, required = false): JsonSchema => ({
  name,
  in: 'header',
  required,
  description,
  schema,
});

const PARAMETERS: Record<string, JsonSchema> = {
  ModelName: { name: 'model_name', in: 'path', required: true, schema: { type: 'string' } },
  ModelVersion: { name: 'model_version', in: 'path', required: true, schema: { type: 'string' } },
  InferenceHeaderContentLength: header(
    'Inference-Header-Content-Length',
    "Triton's binary tensor extension: length in bytes of the JSON header at the start of the body.",
    { type: 'integer', minimum: 0 },
  ),
  ContentEncoding: header('Content-Encoding', 'A compressed body is inflated.', {
    type: 'string',
    enum: ['gzip', 'deflate', 'identity'],
  }),
  SessionId: {
    name: 'session_id',
    in: 'query',
    required: false,
    description: 'Names the session, so that another connection can find it.',
    schema: { type: 'string' },
  },
  SessionPath: {
    name: 'session',
    in: 'path',
    required: true,
    description: 'The id of an open session: a WebSocket opened with `?session_id=`, or a sequence.',
    schema: { type: 'string' },
  },
  RequestId: header('x-request-id', 'The request id when the body has no `id`.', { type: 'string' }),
  Upgrade: header('Upgrade', 'Asks for the WebSocket upgrade.', { type: 'string', const: 'websocket' }, true),
  SecWebSocketKey: header('Sec-WebSocket-Key', 'The WebSocket handshake key.', { type: 'string' }, true),
  SecWebSocketVersion: header('Sec-WebSocket-Version', 'WebSocket protocol version.', { const: '13' }, true),
  Origin: header('Origin', "Sent by browsers; checked against `cors_settings`' origins.", { type: 'string' }),
  SwaggerUiFile: {
    name: 'file',
    in: 'path',
    required: true,
    schema: { type: 'string', enum: Object.keys(SWAGGER_UI_FILES) },
  },
  ExamplePageFile: {
    name: 'asset',
    in: 'path',
    required: true,
    schema: { type: 'string', enum: Object.keys(SPEECH_PAGE_FILES) },
  },
};

const HEADERS: Record<string, JsonSchema> = {
  InferenceHeaderContentLength: {
    description: 'Set on binary answers: length in bytes of the JSON header at the start of the body.',
    schema: { type: 'integer', minimum: 0 },
  },
};

/** `{"error": "…"}` answers, one per status of the error table, naming the error kinds behind it. */
function errorResponses(): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES)
    byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      `Error${status}`,
      {
        description: `Error (${codes.join(', ')}).`,
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  );
}

const EXAMPLES: Record<string, JsonSchema> = {
  InferenceRequest: {
    summary: 'Two FP32 rows',
    value: { inputs: [{ name: 'input-0', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }] },
  },
};

function pathParameters(expressPath: string): string[] {
  const names: Record<string, string> = {
    name: 'ModelName',
    version: 'ModelVersion',
    file: 'SwaggerUiFile',
    asset: 'ExamplePageFile',
    session: 'SessionPath',
  };
  return [...expressPath.matchAll(/:(\w+)/g)].map((m) => names[m[1]!]!).filter(Boolean);
}

function operationObject(op: RouteOperation, expressPath: string, index: number): JsonSchema {
  const responses: Record<string, JsonSchema> = { ...op.responses };
  for (const status of op.errors) {
    if (!ERROR_STATUSES.includes(status))
      throw new Error(`${op.operationId}: ${status} is not in the error table`);
    responses[String(status)] ??= { $ref: `#/components/responses/Error${status}` };
  }
  const parameters = [...new Set([...pathParameters(expressPath), ...(op.parameters ?? [])])];
  return {
    operationId: index === 0 ? op.operationId : `${op.operationId}_version`,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(parameters.length > 0
      ? { parameters: parameters.map((p) => ({ $ref: `#/components/parameters/${p}` })) }
      : {}),
    ...(op.requestBody ? { requestBody: op.requestBody } : {}),
    responses,
    ...op.extensions,
  };
}

/**
 * The OpenAPI 3.1 document of the REST API, built from the route table (`OPERATIONS`) and the
 * protocol's schemas; every error status comes from the error table.
 */
export function buildDocument(info: DocumentInfo): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const op of OPERATIONS) {
    expressPaths(op).forEach((expressPath, index) => {
      const path = openApiPath(expressPath);
      paths[path] = { ...paths[path], [op.method]: operationObject(op, expressPath, index) };
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${info.name} data plane`,
      version: info.version,
      description:
        'The Open Inference Protocol (KServe v2) over REST, Server-Sent Events and WebSocket, with ' +
        "MLServer's extensions (model repository, docs) and Triton's (binary tensors, statistics, model " +
        'configuration, sequences). Every failure is `{"error": "…"}`. Every route also exists under ' +
        '`root_path`.',
    },
    servers: [{ url: info.serverUrl, description: 'this server' }],
    tags: TAGS,
    paths,
    components: {
      schemas: componentSchemas,
      parameters: PARAMETERS,
      headers: HEADERS,
      responses: errorResponses(),
      examples: EXAMPLES,
    },
  };
}
