import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaObject } from 'ajv';
import { parse } from 'yaml';
import type { KubeObject } from './kustomize.js';

/** Validates one object; returns every problem (empty when valid). */
export type ObjectValidator = (object: KubeObject) => string[];

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    scope: 'Namespaced' | 'Cluster';
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: SchemaObject } }[];
  };
}

/**
 * A CRD's structural schema made strict the way the API server's strict field validation
 * (`kubectl apply`'s default) treats it: an object schema that neither declares
 * `additionalProperties` (a map) nor sets `x-kubernetes-preserve-unknown-fields` accepts only
 * its declared properties, so an unknown or misspelt field is an error instead of being pruned.
 */
export function strictify(schema: SchemaObject): SchemaObject {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties') {
        out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, visit(v)]));
      } else if (
        key === 'enum' ||
        key === 'default' ||
        key === 'required' ||
        key.startsWith('x-kubernetes-list')
      ) {
        out[key] = value; // data, not schemas
      } else {
        out[key] = visit(value);
      }
    }
    // int-or-string (quantities) puts `pattern` beside an untyped anyOf; JSON Schema applies it
    // to strings only, which ajv's strictTypes wants said: move it into the string branch.
    if (out['x-kubernetes-int-or-string'] === true && out.pattern !== undefined && Array.isArray(out.anyOf)) {
      out.anyOf = (out.anyOf as SchemaObject[]).map((branch) =>
        branch.type === 'string' ? { ...branch, pattern: out.pattern } : branch,
      );
      delete out.pattern;
    }
    const isObject = out.type === 'object' || 'properties' in out;
    if (
      isObject &&
      out.additionalProperties === undefined &&
      out['x-kubernetes-preserve-unknown-fields'] !== true
    ) {
      out.additionalProperties = false;
    }
    return out;
  };
  return visit(schema) as SchemaObject;
}

/** ajv in strict mode, taught the Kubernetes vocabulary (formats and `x-kubernetes-*` keywords). */
export function kubernetesAjv(): Ajv {
  // No code optimisation pass: it halves the compile time of the 39,000-line InferenceService CRD.
  const ajv = new Ajv({ strict: true, allErrors: true, code: { optimize: false } });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
  // Annotations for the API server's merge and pruning logic: nothing to check on their own
  // (int-or-string's check is the anyOf beside it; preserve-unknown-fields is read by strictify).
  for (const keyword of [
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-map-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-embedded-resource',
  ]) {
    ajv.addKeyword({ keyword });
  }
  // list-type set: items unique; map: items unique by their list-map-keys (the API server
  // rejects duplicates, e.g. two containers or two env variables with one name).
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    errors: false,
    validate: (listType: string, data: unknown[], parent?: AnySchemaObject) => {
      if (listType === 'set') return new Set(data.map((item) => JSON.stringify(item))).size === data.length;
      if (listType !== 'map') return true;
      const keys = (parent?.['x-kubernetes-list-map-keys'] ?? []) as string[];
      const itemProps = (parent?.items as SchemaObject | undefined)?.properties ?? {};
      const identity = (item: unknown) =>
        JSON.stringify(
          keys.map((k) => (item as Record<string, unknown>)?.[k] ?? (itemProps[k] as SchemaObject)?.default),
        );
      return new Set(data.map(identity)).size === data.length;
    },
  });
  return ajv;
}

/** Validators for every served version of every CRD in a folder, keyed `apiVersion kind`. */
export async function loadCrdValidators(folder: string): Promise<Map<string, ObjectValidator>> {
  const ajv = kubernetesAjv();
  const validators = new Map<string, ObjectValidator>();
  for (const name of (await readdir(folder)).filter((f) => f.endsWith('.yaml')).sort()) {
    const crd = parse(await readFile(path.join(folder, name), 'utf8')) as Crd;
    const { group, names, scope } = crd.spec;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const root = version.schema.openAPIV3Schema;
      const specSchema = root.properties?.spec as SchemaObject | undefined;
      if (!specSchema) throw new Error(`${name}: ${version.name} has no spec schema`);
      const checkSpec = ajv.compile(strictify(specSchema));
      const apiVersion = `${group}/${version.name}`;
      validators.set(`${apiVersion} ${names.kind}`, (object) => {
        const problems = metadataProblems(object, scope);
        for (const key of Object.keys(object)) {
          if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key))
            problems.push(`${key}: unknown field`);
        }
        if (!checkSpec(object.spec))
          problems.push(...(checkSpec.errors ?? []).map((e) => describe('spec', e)));
        return problems;
      });
    }
  }
  return validators;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const METADATA_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations']);

/** ObjectMeta as a manifest writes it (the CRD schemas leave `metadata` to the API server). */
function metadataProblems(object: KubeObject, scope: string): string[] {
  const problems: string[] = [];
  const { metadata } = object;
  if (
    typeof metadata?.name !== 'string' ||
    metadata.name.length > 253 ||
    !DNS_SUBDOMAIN.test(metadata.name)
  ) {
    problems.push(`metadata.name: not a DNS subdomain: ${JSON.stringify(metadata?.name)}`);
  }
  if (scope === 'Cluster' && metadata?.namespace !== undefined) {
    problems.push('metadata.namespace: set on a cluster-scoped resource');
  }
  for (const key of Object.keys(metadata ?? {})) {
    if (!METADATA_FIELDS.has(key)) problems.push(`metadata.${key}: unknown field`);
  }
  for (const map of ['labels', 'annotations'] as const) {
    for (const [key, value] of Object.entries((metadata?.[map] ?? {}) as Record<string, unknown>)) {
      if (typeof value !== 'string') problems.push(`metadata.${map}.${key}: expected string`);
    }
  }
  return problems;
}

function describe(prefix: string, error: ErrorObject): string {
  const where = prefix + error.instancePath.replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    return `${where}.${String(error.params.additionalProperty)}: unknown field`;
  }
  return `${where}: ${error.message ?? error.keyword}`;
}
