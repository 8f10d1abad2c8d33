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

/**
 * The JSON text of a tree; repeated keys are written as they are. Iterative (an explicit stack
 * of nodes and text), so trees nested tens of thousands deep are written as easily as flat ones.
 */
export function serialize(root: JsonNode): string {
  const parts: string[] = [];
  const stack: (JsonNode | string)[] = [root];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (typeof next === 'string') {
      parts.push(next);
      continue;
    }
    switch (next.kind) {
      case 'value':
        parts.push(JSON.stringify(next.value));
        break;
      case 'literal':
        parts.push(next.text);
        break;
      case 'array':
        parts.push('[');
        stack.push(']');
        for (let i = next.items.length - 1; i >= 0; i--) {
          stack.push(next.items[i]!);
          if (i > 0) stack.push(',');
        }
        break;
      case 'object':
        parts.push('{');
        stack.push('}');
        for (let i = next.entries.length - 1; i >= 0; i--) {
          const [key, value] = next.entries[i]!;
          stack.push(value, `${JSON.stringify(key)}:`);
          if (i > 0) stack.push(',');
        }
    }
  }
  return parts.join('');
}

/** Every node of a tree in pre-order, with a way to replace it in its parent. */
export interface Located {
  node: JsonNode;
  replace(next: JsonNode): void;
  /** Removes the node from its parent (a no-op for the root). */
  remove(): void;
}

/** Lists every node of `root` (pre-order); the root first. Iterative, like `serialize`. */
export function locate(root: { tree: JsonNode }): Located[] {
  const out: Located[] = [];
  const stack: Located[] = [
    {
      node: root.tree,
      replace: (n) => {
        root.tree = n;
      },
      remove: () => undefined,
    },
  ];
  while (stack.length > 0) {
    const located = stack.pop()!;
    out.push(located);
    const node = located.node;
    const children: Located[] = [];
    if (node.kind === 'array') {
      for (const [i, item] of node.items.entries()) {
        children.push({
          node: item,
          replace: (n) => {
            node.items[i] = n;
          },
          remove: () => {
            node.items.splice(node.items.indexOf(item), 1);
          },
        });
      }
    } else if (node.kind === 'object') {
      for (const entry of node.entries) {
        children.push({
          node: entry[1],
          replace: (n) => {
            entry[1] = n;
          },
          remove: () => {
            node.entries.splice(node.entries.indexOf(entry), 1);
          },
        });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}

/** The value of `key` in an object node (the last one when repeated, as JSON.parse reads it). */
export function field(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.kind !== 'object') return undefined;
  for (let i = node.entries.length - 1; i >= 0; i--)
    if (node.entries[i]![0] === key) return node.entries[i]![1];
  return undefined;
}
