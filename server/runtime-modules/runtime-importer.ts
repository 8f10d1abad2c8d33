import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Module, { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsxCjs } from 'tsx/cjs/api';
import { register as registerTsxEsm } from 'tsx/esm/api';
import type { ModuleImporter } from '../runtime-loader.js';

/** The running server's public entry (`dist/server/index.js` next to this folder). */
const ENTRY = new URL('../index.js', import.meta.url);
/** What CommonJS runtimes get for `require('mlserver-ts')`: the entry's namespace, published below. */
const REQUIRE_ENTRY = new URL('./require-entry.cjs', import.meta.url);

/** Set once the hooks are installed: resolves when the server's namespace is published. */
let published: Promise<void> | undefined;

/**
 * How the CLI imports user runtimes. Installed once for the whole process:
 *
 * - tsx's ESM and CommonJS hooks, registered globally (not `tsImport`, whose per-call namespace
 *   loads a second copy of every module the runtime imports — `mlserver-ts` included — so the
 *   runtime's `MLModel` and errors were other classes than the server's);
 * - a resolve hook for ESM and CommonJS that sends the specifier `mlserver-ts` to the module the
 *   server runs, so a runtime outside this package, or one whose folder has its own copy in
 *   `node_modules`, still shares the server's classes. CommonJS gets a small entry that returns
 *   the namespace the importer published (Node 20's `require(esm)` would evaluate the entry
 *   again while loader hooks are registered).
 *
 * A runtime module is imported once per content: a reload of an unchanged file reuses the module
 * (memory stays flat however often a model reloads); a changed file is imported afresh.
 */
export function runtimeImporter(): ModuleImporter {
  if (!published) {
    registerTsxCjs();
    registerTsxEsm();
    register(new URL('./self-reference-hook.js', import.meta.url), {
      data: { entry: ENTRY.href },
    });
    redirectRequire(fileURLToPath(REQUIRE_ENTRY));
    published = import(ENTRY.href).then((api: unknown) => {
      (globalThis as Record<symbol, unknown>)[Symbol.for('mlserver-ts.api')] = api;
    });
  }
  return async (url) => {
    await published;
    return import(`${url}?v=${await contentHash(url)}`);
  };
}

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

/** CommonJS half of the resolve hook: `require('mlserver-ts')` → the given entry file. */
function redirectRequire(entryFile: string): void {
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === 'mlserver-ts') return entryFile;
    return original.call(this, request, ...rest);
  };
}

async function contentHash(url: string): Promise<string> {
  const bytes = await readFile(new URL(url));
  return createHash('sha1').update(bytes).digest('hex').slice(0, 12);
}
