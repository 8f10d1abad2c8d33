/**
 * JSON as a tree that can say what `JSON.stringify` cannot: repeated keys, number literals of
 * any size or precision (`1e400`, 30-digit integers, `-0`), and raw text. The corruptions edit
 * this tree, then `serialize` writes it.
 */
export type JsonNode =
  | { kind: 'value'; value: null | boolean | number | string }
  | { kind: 'literal'; text: string }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'object'; entries: [string, JsonNode][] };

/** A tree for a plain JSON value (numbers that are not finite become null, as in JSON). */
export function toTree(value: unknown): JsonNode {
  if (Array.isArray(value)) return { kind: 'array', items: value.map(toTree) };
  if (value !== null && typeof value === 'object') {
    return {
      kind: 'object',
      entries: Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toTree(v)]),
    };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { kind: 'value', value: null };
  if (typeof value === 'bigint') return { kind: 'literal', text: value.toString() };
  return { kind: 'value', value: value as null | boolean | number | string };
}

/** The JSON text of a tree; repeated keys are written as they are. */
export function serialize(node: JsonNode): string {
  const parts: string[] = [];
  write(node, parts);
  return parts.join('');
}

function write(node: JsonNode, parts: string[]): void {
  switch (node.kind) {
    case 'value':
      parts.push(JSON.stringify(node.value));
      return;
    case 'literal':
      parts.push(node.text);
      return;
    case 'array':
      parts.push('[');
      node.items.forEach((item, i) => {
        if (i > 0) parts.push(',');
        write(item, parts);
      });
      parts.push(']');
      return;
    case 'object':
      parts.push('{');
      node.entries.forEach(([key, value], i) => {
        if (i > 0) parts.push(',');
        parts.push(JSON.stringify(key), ':');
        write(value, parts);
      });
      parts.push('}');
  }
}

/** Every node of a tree in pre-order, with a way to replace it in its parent. */
export interface Located {
  node: JsonNode;
  replace(next: JsonNode): void;
  /** Removes the node from its parent (a no-op for the root). */
  remove(): void;
}

/** Lists every node of `root` (pre-order); the root first. */
export function locate(root: { tree: JsonNode }): Located[] {
  const out: Located[] = [];
  const visit = (node: JsonNode, replace: (n: JsonNode) => void, remove: () => void) => {
    out.push({ node, replace, remove });
    if (node.kind === 'array') {
      for (const [i, item] of node.items.entries()) {
        visit(
          item,
          (n) => {
            node.items[i] = n;
          },
          () => {
            node.items.splice(node.items.indexOf(item), 1);
          },
        );
      }
    } else if (node.kind === 'object') {
      for (const entry of node.entries) {
        visit(
          entry[1],
          (n) => {
            entry[1] = n;
          },
          () => {
            node.entries.splice(node.entries.indexOf(entry), 1);
          },
        );
      }
    }
  };
  visit(
    root.tree,
    (n) => {
      root.tree = n;
    },
    () => undefined,
  );
  return out;
}

/** A deep copy of a tree. */
export function cloneTree(node: JsonNode): JsonNode {
  return structuredClone(node);
}

/** The value of `key` in an object node (the last one when repeated, as JSON.parse reads it). */
export function field(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.kind !== 'object') return undefined;
  for (let i = node.entries.length - 1; i >= 0; i--)
    if (node.entries[i]![0] === key) return node.entries[i]![1];
  return undefined;
}
