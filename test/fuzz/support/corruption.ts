import fc from 'fast-check';
import { DATATYPES } from '../../../server/types.js';
import { field, type JsonNode, locate, serialize, toTree } from './json-tree.js';

/** Number literals JSON allows but clients rarely send: huge, tiny, past 2^53 and 2^64, -0. */
export const ODD_NUMBERS = [
  '1e308',
  '1e309',
  '-1e400',
  '1e-400',
  '-0',
  '0.1e1',
  '9007199254740993',
  '18446744073709551616',
  '-9223372036854775809',
  '123456789012345678901234567890',
  '4294967296',
  '1E+2',
  '2.5',
] as const;

/** Strings that trip text handling: NUL, lone surrogates, right-to-left marks, emoji, long. */
const ODD_STRINGS = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '💥', 'é\u0301', '\ufeff', ''),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ minLength: 200, maxLength: 2000 }),
);

/** Shapes that do not fit: negative, fractional, strings, nested, huge, overflowing products. */
const ODD_SHAPES = fc.oneof(
  fc.constantFrom<unknown>(
    [],
    [-1],
    [0],
    [1.5],
    ['2'],
    [null],
    [[2]],
    [-2, 3],
    [2 ** 53],
    [1e9, 1e9],
    [4294967296, 4294967296],
    [2 ** 31, 2 ** 31, 2 ** 31],
    '2',
    2,
    {},
    null,
  ),
  fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
);

const ODD_DATATYPES = fc.oneof(
  fc.constantFrom(...DATATYPES),
  fc.constantFrom<unknown>('fp32', 'FP32 ', '', 'STRING', 'TYPE_FP32', 'INT128', null, 7, ['FP32']),
);

const ODD_DATA = fc.oneof(
  fc.constantFrom<unknown>('abc', 3, true, null, {}, [], [[]], [[1], [2, 3]], [1, [2]], { data: [1] }),
  fc.array(
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 4 }), fc.constant(null)),
    {
      maxLength: 12,
    },
  ),
);

/** One way to damage a request. `at` picks a node of the tree (pre-order, modulo its size). */
export type Corruption =
  | { op: 'null' | 'delete'; at: number }
  | { op: 'swap'; at: number; value: unknown }
  | { op: 'number'; at: number; text: string }
  | { op: 'string'; at: number; text: string }
  | { op: 'nest'; at: number; depth: number }
  | { op: 'duplicate'; at: number; which: number; value: unknown }
  | { op: 'extra'; at: number; key: string; value: unknown }
  | { op: 'shape' | 'datatype' | 'data'; input: number; value: unknown }
  | { op: 'bulk'; input: number; elements: number }
  | { op: 'bytes'; kind: 'set' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };

const at = fc.nat();
const jsonValue = fc.jsonValue({ maxDepth: 2 });

/** A random corruption, weighted towards the structural ones. */
export const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ op: fc.constantFrom('null' as const, 'delete' as const), at }),
  fc.record({ op: fc.constant('swap' as const), at, value: jsonValue }),
  fc.record({
    op: fc.constant('number' as const),
    at,
    text: fc.oneof(
      fc.constantFrom(...ODD_NUMBERS),
      fc.double().map((d) => (Number.isFinite(d) ? String(d) : '1e999')),
    ),
  }),
  fc.record({ op: fc.constant('string' as const), at, text: ODD_STRINGS }),
  fc.record({
    op: fc.constant('nest' as const),
    at,
    depth: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 40 }) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }) },
      // The 10,000 deep (~20 KB) that once overflowed the server's stack.
      { weight: 1, arbitrary: fc.integer({ min: 9000, max: 12000 }) },
    ),
  }),
  fc.record({ op: fc.constant('duplicate' as const), at, which: fc.nat(), value: jsonValue }),
  fc.record({ op: fc.constant('extra' as const), at, key: fc.string({ maxLength: 8 }), value: jsonValue }),
  fc.record({ op: fc.constant('shape' as const), input: fc.nat(), value: ODD_SHAPES }),
  fc.record({ op: fc.constant('datatype' as const), input: fc.nat(), value: ODD_DATATYPES }),
  fc.record({ op: fc.constant('data' as const), input: fc.nat(), value: ODD_DATA }),
  fc.record({
    op: fc.constant('bulk' as const),
    input: fc.nat(),
    elements: fc.constantFrom(20_000, 40_000, 100_000, 600_000),
  }),
  fc.record({
    op: fc.constant('bytes' as const),
    kind: fc.constantFrom('set' as const, 'insert' as const, 'delete' as const, 'truncate' as const),
    at,
    byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...Buffer.from('[]{},:"\\-0.e '))),
  }),
);

/** A request body: valid, or damaged by up to four corruptions (none for about one run in five). */
export function damaged(valid: fc.Arbitrary<Record<string, unknown>>) {
  return fc.record({
    request: valid,
    corruptions: fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Corruption[]) },
      { weight: 4, arbitrary: fc.array(corruption, { minLength: 1, maxLength: 4 }) },
    ),
  });
}

/** The body's bytes after the corruptions (tree edits first, byte edits on the text last). */
export function applyCorruptions(
  request: Record<string, unknown>,
  corruptions: readonly Corruption[],
): Buffer {
  const root = { tree: toTree(request) };
  const byteEdits: Extract<Corruption, { op: 'bytes' }>[] = [];
  for (const c of corruptions) {
    if (c.op === 'bytes') byteEdits.push(c);
    else editTree(root, c);
  }
  let bytes = Buffer.from(serialize(root.tree));
  for (const { kind, at, byte } of byteEdits) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (kind === 'set' && bytes.length > 0) bytes[i] = byte;
    else if (kind === 'insert')
      bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
    else if (kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
    else if (kind === 'truncate') bytes = bytes.subarray(0, i);
  }
  return bytes;
}

function editTree(root: { tree: JsonNode }, c: Exclude<Corruption, { op: 'bytes' }>): void {
  if ('input' in c) {
    const inputs = field(root.tree, 'inputs');
    if (inputs?.kind !== 'array' || inputs.items.length === 0) return;
    const input = inputs.items[c.input % inputs.items.length]!;
    if (input.kind !== 'object') return;
    if (c.op === 'bulk') {
      // Many elements, cheaply: FP64 [n] with the data written as one literal.
      setField(input, 'datatype', { kind: 'value', value: 'FP64' });
      setField(input, 'shape', toTree([c.elements]));
      setField(input, 'data', { kind: 'literal', text: `[${'1,'.repeat(c.elements - 1)}1]` });
      return;
    }
    setField(input, c.op, toTree(c.value));
    return;
  }
  const nodes = locate(root);
  const target = nodes[c.at % nodes.length]!;
  switch (c.op) {
    case 'null':
      target.replace({ kind: 'value', value: null });
      return;
    case 'delete':
      target.remove();
      return;
    case 'swap':
      target.replace(toTree(c.value));
      return;
    case 'number':
      target.replace({ kind: 'literal', text: c.text });
      return;
    case 'string':
      target.replace({ kind: 'value', value: c.text });
      return;
    case 'nest': {
      let node = target.node;
      for (let i = 0; i < c.depth; i++) node = { kind: 'array', items: [node] };
      target.replace(node);
      return;
    }
    case 'duplicate': {
      if (target.node.kind !== 'object' || target.node.entries.length === 0) return;
      const entries = target.node.entries;
      const [key] = entries[c.which % entries.length]!;
      entries.splice(c.which % (entries.length + 1), 0, [key, toTree(c.value)]);
      return;
    }
    case 'extra':
      if (target.node.kind === 'object') target.node.entries.push([c.key, toTree(c.value)]);
  }
}

/** Sets a key of an object node (its last occurrence, as JSON.parse reads it), or adds it. */
function setField(object: Extract<JsonNode, { kind: 'object' }>, key: string, value: JsonNode): void {
  const entry = object.entries.findLast(([k]) => k === key);
  if (entry) entry[1] = value;
  else object.entries.push([key, value]);
}
