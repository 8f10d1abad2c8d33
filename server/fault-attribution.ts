import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ModelSlot } from './model-slot.js';

/**
 * Which model's code an error came from, where that can be known: the model whose folder
 * appears in the error's stack (the deepest folder when several match). Built-in runtimes live
 * outside model folders, so their errors are never blamed on a model by this. Returns undefined
 * for errors with no stack or whose stack names no model folder.
 *
 * Found from the stack rather than tracked with `AsyncLocalStorage`: on Node 20 an active
 * AsyncLocalStorage makes every promise in the process about three times slower.
 */
export function attributeToModel(error: unknown, slots: readonly ModelSlot[]): ModelSlot | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  let found: ModelSlot | undefined;
  let foundLength = 0;
  for (const slot of slots) {
    for (const folder of spellings(slot.settings.folder)) {
      if (folder.length > foundLength && stack.includes(folder)) {
        found = slot;
        foundLength = folder.length;
      }
    }
  }
  return found;
}

/** A folder as a stack may spell it: as given and resolved through links, as a path and as a URL. */
function spellings(folder: string): string[] {
  let real = folder;
  try {
    real = realpathSync(folder);
  } catch {
    // a folder that is gone is matched as it was written
  }
  const paths = [...new Set([folder, real])].map((p) => (p.endsWith('/') ? p : `${p}/`));
  return paths.flatMap((p) => [p, pathToFileURL(p).href]);
}
