import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A Kubernetes object as written in a manifest. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
  [field: string]: unknown;
}

/** The kustomization fields this renderer implements; any other field is an error, never ignored. */
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'patches']);
const SUPPORTED_TARGET = new Set(['kind', 'name']);

interface Patch {
  target?: { kind?: string; name?: string };
  patch?: string;
  path?: string;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/**
 * Renders a kustomization folder the way `kubectl kustomize` does, for the subset of features
 * deploy/ uses (no kustomize binary can be installed from Debian or npm here): `resources`
 * (files, and folders holding a kustomization), JSON 6902 `patches` with a kind/name `target`,
 * then `namespace`, in kustomize's order (patches before the namespace transformer). Anything
 * else throws, so a manifest using a feature this does not implement fails loudly.
 */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  const file = path.join(dir, 'kustomization.yaml');
  const kustomization = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field))
      throw new Error(`${file}: '${field}' is not implemented by this renderer`);
  }
  const objects: KubeObject[] = [];
  for (const entry of (kustomization.resources ?? []) as string[]) {
    const target = path.resolve(dir, entry);
    if ((await stat(target)).isDirectory()) objects.push(...(await kustomize(target)));
    else objects.push(...(await readObjects(target)));
  }
  for (const patch of (kustomization.patches ?? []) as Patch[]) {
    const ops = await patchOps(patch, dir, file);
    const matching = objects.filter((o) => matches(o, patch.target ?? {}, file));
    if (matching.length === 0) throw new Error(`${file}: a patch matches no resource`);
    for (const object of matching) applyJsonPatch(object, ops, file);
  }
  const namespace = kustomization.namespace;
  if (typeof namespace === 'string') for (const object of objects) object.metadata.namespace = namespace;
  return objects;
}

/** Every document of a YAML file. */
export async function readObjects(file: string): Promise<KubeObject[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as KubeObject;
  });
}

async function patchOps(patch: Patch, dir: string, file: string): Promise<JsonPatchOp[]> {
  const text =
    patch.patch ?? (patch.path ? await readFile(path.resolve(dir, patch.path), 'utf8') : undefined);
  if (text === undefined) throw new Error(`${file}: a patch needs 'patch' or 'path'`);
  const ops = parse(text) as unknown;
  if (!Array.isArray(ops))
    throw new Error(`${file}: only JSON 6902 patches (a list of operations) are implemented`);
  return ops as JsonPatchOp[];
}

function matches(object: KubeObject, target: Record<string, unknown>, file: string): boolean {
  for (const key of Object.keys(target)) {
    if (!SUPPORTED_TARGET.has(key)) throw new Error(`${file}: patch target '${key}' is not implemented`);
  }
  // kustomize reads kind and name as anchored regular expressions.
  const test = (pattern: unknown, value: string) =>
    pattern === undefined || new RegExp(`^(?:${String(pattern)})$`).test(value);
  return test(target.kind, object.kind) && test(target.name, object.metadata.name);
}

/** RFC 6902 add, replace and remove (what deploy/ uses); other operations throw. */
function applyJsonPatch(object: KubeObject, ops: JsonPatchOp[], file: string): void {
  for (const { op, path: pointer, value } of ops) {
    const keys = pointer
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop();
    if (last === undefined) throw new Error(`${file}: cannot patch the whole object`);
    let parent: unknown = object;
    for (const key of keys) {
      parent = (parent as Record<string, unknown>)?.[key];
      if (typeof parent !== 'object' || parent === null) throw new Error(`${file}: ${pointer}: no such path`);
    }
    const copy = structuredClone(value);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new Error(`${file}: ${pointer}: bad index`);
      if (op === 'add') parent.splice(index, 0, copy);
      else if (op === 'replace' && index < parent.length) parent[index] = copy;
      else if (op === 'remove' && index < parent.length) parent.splice(index, 1);
      else throw new Error(`${file}: ${pointer}: cannot ${op}`);
    } else {
      const record = parent as Record<string, unknown>;
      if (op === 'add') record[last] = copy;
      else if (op === 'replace' && last in record) record[last] = copy;
      else if (op === 'remove' && last in record) delete record[last];
      else throw new Error(`${file}: ${pointer}: cannot ${op}`);
    }
  }
}
