import type { ModelMetadata, TensorMetadata } from '../../types.js';
import type { OpenApiDocument } from './document.js';
import { type JsonSchema, ref } from './schemas.js';

/** Example data is written out for tensors up to this many elements. */
const EXAMPLE_ELEMENTS = 1024;

/**
 * One model's document, as MLServer makes it: the model routes of `base` with the model's name
 * (and, when given, its version: then only the versioned routes) written into the paths, and
 * more than MLServer does: request inputs, response outputs and an example request from the
 * model's metadata. Undeclared tensors stay possible (the server leaves them to the runtime).
 */
export function buildModelDocument(
  base: OpenApiDocument,
  metadata: ModelMetadata,
  name: string,
  version: string | undefined,
  serverUrl: string,
): OpenApiDocument {
  const doc = structuredClone(base);
  const model = version ? `${name} (version ${version})` : name;
  doc.info.title = `Data plane for model ${model}`;
  doc.info.description = `The REST routes of model ${model}.\n\n${tensorTable(metadata)}`;
  doc.servers = [{ url: serverUrl, description: 'this server' }];
  doc.paths = {};
  const prefilled = new Set(['#/components/parameters/ModelName']);
  if (version) prefilled.add('#/components/parameters/ModelVersion');
  for (const [path, item] of Object.entries(base.paths)) {
    if (!path.includes('{model_name}')) continue;
    if (version && !path.includes('{model_version}')) continue;
    let filled = path.replace('{model_name}', encodeURIComponent(name));
    if (version) filled = filled.replace('{model_version}', encodeURIComponent(version));
    doc.paths[filled] = Object.fromEntries(
      Object.entries(structuredClone(item)).map(([method, op]) => [method, withoutParameters(op, prefilled)]),
    );
  }
  const { schemas, examples } = doc.components;
  if (metadata.inputs.length > 0) {
    schemas.AnyRequestInput = schemas.RequestInput!;
    schemas.RequestInput = declaredTensors(metadata.inputs, 'AnyRequestInput');
    examples.InferenceRequest = {
      summary: `An example request for ${name}`,
      value: { inputs: metadata.inputs.map(exampleInput) },
    };
  }
  if (metadata.outputs.length > 0) {
    schemas.AnyResponseOutput = schemas.ResponseOutput!;
    schemas.ResponseOutput = declaredTensors(metadata.outputs, 'AnyResponseOutput');
  }
  return doc;
}

function withoutParameters(op: JsonSchema, prefilled: Set<string>): JsonSchema {
  const parameters = (op.parameters as { $ref: string }[] | undefined)?.filter((p) => !prefilled.has(p.$ref));
  const { parameters: _, ...rest } = op;
  return parameters && parameters.length > 0 ? { ...rest, parameters } : rest;
}

/** A tensor the model declares: its name and datatype fixed, its shape described. */
function declaredTensors(tensors: readonly TensorMetadata[], generic: string): JsonSchema {
  return {
    anyOf: [
      ...tensors.map((t) => ({
        title: t.name,
        allOf: [ref(generic)],
        properties: {
          name: { const: t.name },
          datatype: { const: t.datatype },
          shape: { description: `Declared shape ${JSON.stringify(t.shape)} (-1: any size).` },
        },
        ...(t.parameters?.content_type ? { description: `content_type: ${t.parameters.content_type}` } : {}),
      })),
      {
        title: 'another tensor',
        description: 'A tensor the model does not declare, left to its runtime.',
        allOf: [ref(generic)],
        properties: { name: { not: { enum: tensors.map((t) => t.name) } } },
      },
    ],
  };
}

function exampleInput(t: TensorMetadata): JsonSchema {
  const shape = t.shape.map((d) => (d < 0 ? 1 : d));
  const count = shape.reduce((a, b) => a * b, 1);
  const element = t.datatype === 'BOOL' ? false : t.datatype === 'BYTES' ? 'text' : 0;
  return {
    name: t.name,
    shape,
    datatype: t.datatype,
    ...(t.parameters?.content_type ? { parameters: { content_type: t.parameters.content_type } } : {}),
    ...(count <= EXAMPLE_ELEMENTS ? { data: new Array(count).fill(element) } : {}),
  };
}

function tensorTable(metadata: ModelMetadata): string {
  const rows = [
    ...metadata.inputs.map((t) => ['input', t] as const),
    ...metadata.outputs.map((t) => ['output', t] as const),
  ];
  if (rows.length === 0) return 'The model declares no tensors.';
  const lines = rows.map(
    ([kind, t]) =>
      `| ${kind} | \`${t.name}\` | ${t.datatype} | ${JSON.stringify(t.shape)} | ${t.parameters?.content_type ?? ''} |`,
  );
  return [
    `Platform: \`${metadata.platform || 'unknown'}\`.`,
    '',
    '| | tensor | datatype | shape | content type |',
    '| --- | --- | --- | --- | --- |',
    ...lines,
  ].join('\n');
}
