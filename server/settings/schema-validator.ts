import { Ajv, type ErrorObject, type SchemaObject } from 'ajv';
import { SettingsError } from './settings-error.js';

/** A feature whose field is accepted only while it holds an "off" value. */
export interface UnbuiltFeature {
  field: string;
  /** Values that mean the feature is off. */
  off: readonly unknown[];
  why: string;
}

/** Validates a settings object of one kind: compiled once, used at start-up and on reload. */
export interface SettingsValidator<T> {
  /** Applies defaults, checks types, unknown fields and unbuilt features; returns a frozen copy. */
  validate(value: unknown, file: string): T;
}

/** Compiles a JSON schema (with defaults) into a validator that reports every problem at once. */
export function compileSettingsValidator<T>(
  schema: SchemaObject,
  unbuilt: readonly UnbuiltFeature[],
): SettingsValidator<T> {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
  // A regular expression the server compiles (cors_settings.allow_origin_regex): refused at start-up.
  ajv.addFormat('regex', { type: 'string', validate: isRegex });
  const check = ajv.compile(schema);
  return {
    validate(value: unknown, file: string): T {
      // Cloning, validating and freezing all recurse: a file nested thousands deep would
      // overflow the stack (a RangeError, answered as an internal error) instead of being refused.
      if (nestedDeeperThan(value, MAX_DEPTH))
        throw new SettingsError(file, [`(root): nested deeper than ${MAX_DEPTH} levels`]);
      const copy = structuredClone(value);
      const problems: string[] = [];
      if (!check(copy)) problems.push(...(check.errors ?? []).map(describeError));
      if (problems.length === 0 && isRecord(copy)) problems.push(...unbuiltProblems(copy, unbuilt));
      if (problems.length > 0) throw new SettingsError(file, problems);
      return deepFreeze(copy) as T;
    },
  };
}

/** How deep settings may nest (objects and arrays); real settings stay under ten. */
const MAX_DEPTH = 64;

/** Whether objects and arrays nest more than `max` levels below `value` (iterative: any depth is safe). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

function describeError(error: ErrorObject): string {
  const path = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : '(root)';
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path === '(root)' ? '' : `${path}.`}${String(error.params.additionalProperty)}: unknown field`;
    case 'type':
      return `${path}: expected ${String(error.params.type)}`;
    case 'enum':
      return `${path}: expected one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${path}: ${error.message ?? 'is invalid'}`;
  }
}

function unbuiltProblems(settings: Record<string, unknown>, unbuilt: readonly UnbuiltFeature[]): string[] {
  const problems: string[] = [];
  for (const feature of unbuilt) {
    const value = getPath(settings, feature.field);
    if (value === undefined) continue;
    if (feature.off.some((off) => JSON.stringify(off) === JSON.stringify(value))) continue;
    const accepted = feature.off.map((v) => JSON.stringify(v)).join(' or ');
    problems.push(
      `${feature.field}: ${JSON.stringify(value)} is not available yet in mlserver-ts (${feature.why}); only ${accepted} is accepted`,
    );
  }
  return problems;
}

function getPath(value: Record<string, unknown>, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Freezes an object and everything below it, so settings cannot change after start-up. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
