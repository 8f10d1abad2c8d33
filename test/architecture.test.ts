import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const SERVER = path.resolve(import.meta.dirname, '../server');
const ADAPTERS = ['rest', 'grpc', 'ws'];
const TRANSPORT_LIBRARIES = [
  'express',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@grpc/reflection',
  'ws',
  'better-sse',
  'compression',
];

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module a file imports (static imports and `import()` of string literals). */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

function resolved(file: string, specifier: string): string {
  return specifier.startsWith('.')
    ? path.relative(SERVER, path.resolve(path.dirname(file), specifier))
    : specifier;
}

/**
 * The shape of the house (../shared/STYLE.md): adapters translate bytes and never import each
 * other; the core never imports an adapter or a transport library. A new transport is framing.
 */
describe('import rules', () => {
  test('adapters (rest/, grpc/, ws/) never import each other', async () => {
    const violations: string[] = [];
    for (const adapter of ADAPTERS) {
      for (const file of await sources(path.join(SERVER, adapter))) {
        for (const specifier of await importsOf(file)) {
          const target = resolved(file, specifier);
          const other = ADAPTERS.find((a) => a !== adapter && target.startsWith(`${a}/`));
          if (other) violations.push(`${path.relative(SERVER, file)} imports ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  test('the core imports no adapter and no transport library', async () => {
    const violations: string[] = [];
    for (const file of await sources(SERVER)) {
      const relative = path.relative(SERVER, file);
      if (ADAPTERS.some((a) => relative.startsWith(`${a}/`))) continue;
      // The composition root and the CLI build the adapters.
      if (relative === 'server.ts' || relative === 'cli.ts') continue;
      for (const specifier of await importsOf(file)) {
        const target = resolved(file, specifier);
        if (ADAPTERS.some((a) => target.startsWith(`${a}/`)) || TRANSPORT_LIBRARIES.includes(target))
          violations.push(`${relative} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
