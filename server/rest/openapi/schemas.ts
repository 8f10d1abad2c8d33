import type { ModelState } from '../../model-state.js';
import { DATATYPES } from '../../types.js';

/** Every model state the repository API reports. */
const MODEL_STATES = [
  'LOADING',
  'READY',
  'UNLOADING',
  'UNAVAILABLE',
] as const satisfies readonly ModelState[];
// A state added to ModelState but not listed above fails to compile here.
const listsEveryState: [Exclude<ModelState, (typeof MODEL_STATES)[number]>] extends [never] ? true : never =
  true;
void listsEveryState;

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** A `$ref` to one of the document's component schemas. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** A component schema, or `null`: MLServer's clients send every unset optional as `null`. */
function nullable(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, { type: 'null' }] };
}

const boolean = { type: 'boolean' };
const string = { type: 'string' };
const stringList = { type: 'array', items: string };
const count = { type: 'integer', minimum: 0 };

const durationStat: JsonSchema = {
  type: 'object',
  description: 'How many times, and how long in total (nanoseconds).',
  properties: { count, ns: count },
  required: ['count', 'ns'],
};

/**
 * The protocol's JSON types, as the server reads and writes them. Optional fields accept `null`
 * wherever MLServer accepts it (the request's `id`, `parameters` and `outputs`; every tensor's
 * `parameters`; `content_type` and `headers` in any parameters).
 */
export const componentSchemas: Record<string, JsonSchema> = {
  Datatype: { type: 'string', enum: [...DATATYPES], description: 'A tensor datatype of the protocol.' },
  Parameters: {
    type: 'object',
    description: 'Free-form parameters; the keys listed have a meaning to the server.',
    properties: {
      content_type: { ...nullable(string), description: "MLServer's codec name: `str`, `np`, `base64`, …" },
      headers: {
        ...nullable({ type: 'object', additionalProperties: string }),
        description: 'Request headers (requests); headers sent back as HTTP headers (responses).',
      },
    },
    additionalProperties: true,
  },
  RequestParameters: {
    description: 'Request-level parameters.',
    allOf: [ref('Parameters')],
    properties: {
      binary_data_output: {
        ...boolean,
        description: "Triton's binary tensor extension: every output comes back binary.",
      },
      sequence_id: {
        anyOf: [count, string, { type: 'null' }],
        description:
          "Triton's sequence extension: the sequence this request belongs to (a positive integer or a " +
          'non-empty string; 0, "" and null mean none). Requests of one sequence reach one session of ' +
          'the model, in order, with its server-held state.',
      },
      sequence_start: {
        ...nullable(boolean),
        description: 'The first request of the sequence `sequence_id` (needs a `sequence_id`).',
      },
      sequence_end: {
        ...nullable(boolean),
        description: 'The last request of the sequence: its session ends (needs a `sequence_id`).',
      },
    },
  },
  InputParameters: {
    allOf: [ref('Parameters')],
    properties: {
      binary_data_size: {
        ...count,
        description:
          "Triton's binary tensor extension: this input's data is that many raw bytes after the JSON header.",
      },
    },
  },
  OutputRequestParameters: {
    allOf: [ref('Parameters')],
    properties: {
      binary_data: { ...boolean, description: 'Send this output as raw bytes after the JSON header.' },
    },
  },
  OutputParameters: {
    allOf: [ref('Parameters')],
    properties: {
      binary_data_size: {
        ...count,
        description: 'This output was sent as that many raw bytes after the JSON header.',
      },
    },
  },
  TensorElement: {
    description:
      'One element, or a nested row. Numbers; booleans (BOOL); strings for BYTES, for INT64/UINT64 ' +
      'beyond 2^53 (decimal) and for `"NaN"`, `"Infinity"`, `"-Infinity"`.',
    anyOf: [{ type: 'number' }, string, boolean, { type: 'array', items: ref('TensorElement') }],
  },
  TensorData: {
    description: 'Row-major tensor data, flat or nested; a lone element stands for a one-element tensor.',
    anyOf: [{ type: 'array', items: ref('TensorElement') }, { type: 'number' }, string, boolean],
  },
  Shape: { type: 'array', items: count, description: 'Dimensions, outermost first.' },
  RequestInput: {
    type: 'object',
    properties: {
      name: string,
      shape: ref('Shape'),
      datatype: ref('Datatype'),
      parameters: nullable(ref('InputParameters')),
      data: ref('TensorData'),
    },
    required: ['name', 'shape', 'datatype'],
    description: '`data` is required unless `parameters.binary_data_size` says the bytes follow the header.',
    if: {
      required: ['parameters'],
      properties: { parameters: { type: 'object', required: ['binary_data_size'] } },
    },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords.
    then: {},
    else: { required: ['data'] },
  },
  RequestOutput: {
    type: 'object',
    properties: { name: string, parameters: nullable(ref('OutputRequestParameters')) },
    required: ['name'],
  },
  InferenceRequest: {
    type: 'object',
    properties: {
      id: {
        ...nullable(string),
        description: 'Echoed in the response; default: `x-request-id`, else a UUID.',
      },
      parameters: nullable(ref('RequestParameters')),
      inputs: { type: 'array', items: ref('RequestInput') },
      outputs: {
        ...nullable({ type: 'array', items: ref('RequestOutput') }),
        description: 'Outputs wanted.',
      },
    },
    required: ['inputs'],
  },
  ResponseOutput: {
    type: 'object',
    properties: {
      name: string,
      shape: ref('Shape'),
      datatype: ref('Datatype'),
      parameters: nullable(ref('OutputParameters')),
      data: ref('TensorData'),
    },
    required: ['name', 'shape', 'datatype'],
    description: '`data` is absent when the output was sent binary (`parameters.binary_data_size`).',
  },
  InferenceResponse: {
    type: 'object',
    properties: {
      model_name: string,
      model_version: nullable(string),
      id: nullable(string),
      parameters: nullable(ref('Parameters')),
      outputs: { type: 'array', items: ref('ResponseOutput') },
    },
    required: ['model_name', 'outputs'],
  },
  Error: {
    type: 'object',
    properties: { error: { ...string, description: 'What went wrong, safe to show.' } },
    required: ['error'],
  },
  LiveResponse: { type: 'object', properties: { live: boolean }, required: ['live'] },
  ReadyResponse: { type: 'object', properties: { ready: boolean }, required: ['ready'] },
  ModelReadyResponse: {
    type: 'object',
    properties: { name: string, version: string, ready: boolean },
    required: ['name', 'ready'],
  },
  MetadataServerResponse: {
    type: 'object',
    properties: { name: string, version: string, extensions: stringList },
    required: ['name', 'version', 'extensions'],
  },
  MetadataTensor: {
    type: 'object',
    properties: {
      name: string,
      datatype: ref('Datatype'),
      shape: { type: 'array', items: { type: 'integer', minimum: -1 }, description: '-1: any size.' },
      parameters: nullable(ref('Parameters')),
    },
    required: ['name', 'datatype', 'shape'],
  },
  MetadataModelResponse: {
    type: 'object',
    properties: {
      name: string,
      versions: stringList,
      platform: string,
      inputs: { type: 'array', items: ref('MetadataTensor') },
      outputs: { type: 'array', items: ref('MetadataTensor') },
      parameters: nullable(ref('Parameters')),
    },
    required: ['name', 'platform', 'inputs', 'outputs'],
  },
  RepositoryIndexRequest: {
    type: 'object',
    properties: { ready: { ...nullable(boolean), description: 'true: list only ready models.' } },
  },
  ModelState: { type: 'string', enum: [...MODEL_STATES] },
  RepositoryIndexResponse: {
    type: 'array',
    items: {
      type: 'object',
      properties: { name: string, version: string, state: ref('ModelState'), reason: string },
      required: ['name', 'version', 'state', 'reason'],
    },
  },
  RepositoryModelResponse: {
    type: 'object',
    properties: { name: string, state: ref('ModelState') },
    required: ['name', 'state'],
  },
  DurationStat: durationStat,
  ModelStatistics: {
    type: 'object',
    description: "Triton's statistics of one model version.",
    properties: {
      name: string,
      version: string,
      last_inference: { ...count, description: 'Milliseconds since the epoch; 0: never.' },
      inference_count: count,
      execution_count: count,
      inference_stats: {
        type: 'object',
        additionalProperties: ref('DurationStat'),
        required: ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output'],
      },
      response_stats: { type: 'object' },
      batch_stats: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            batch_size: count,
            compute_input: ref('DurationStat'),
            compute_infer: ref('DurationStat'),
            compute_output: ref('DurationStat'),
          },
          required: ['batch_size', 'compute_input', 'compute_infer', 'compute_output'],
        },
      },
      memory_usage: { type: 'array' },
    },
    required: ['name', 'last_inference', 'inference_count', 'execution_count', 'inference_stats'],
  },
  StatisticsResponse: {
    type: 'object',
    properties: { model_stats: { type: 'array', items: ref('ModelStatistics') } },
    required: ['model_stats'],
  },
  ModelConfigTensor: {
    type: 'object',
    properties: {
      name: string,
      data_type: { type: 'string', pattern: '^TYPE_' },
      dims: { type: 'array', items: { type: 'integer', minimum: -1 } },
    },
    required: ['name', 'data_type', 'dims'],
  },
  ModelConfigResponse: {
    type: 'object',
    description: "Triton's model configuration (`ModelConfig` as JSON).",
    properties: {
      name: string,
      platform: string,
      backend: string,
      max_batch_size: count,
      input: { type: 'array', items: ref('ModelConfigTensor') },
      output: { type: 'array', items: ref('ModelConfigTensor') },
      model_transaction_policy: {
        type: 'object',
        properties: { decoupled: boolean },
        required: ['decoupled'],
      },
    },
    required: ['name', 'platform', 'backend', 'max_batch_size', 'input', 'output'],
  },
  WebSocketServerMessage: {
    description:
      'A text message from the server on a WebSocket: one response, or an error (with the `id` of ' +
      'the request it answers when the session goes on).',
    anyOf: [ref('InferenceResponse'), { allOf: [ref('Error')], properties: { id: { type: 'string' } } }],
  },
};
