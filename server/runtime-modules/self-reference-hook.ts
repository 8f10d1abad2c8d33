/**
 * A module-resolution hook (Node's `module.register`) that makes the specifier `mlserver-ts`
 * resolve to the very module the server runs, whatever folder the importing runtime is in and
 * whatever copy of the package its own `node_modules` holds. One copy means one `MLModel` class
 * and one error hierarchy for the server and every runtime.
 */

/** What `module.register` hands the hook: the URL of the running server's public entry. */
export interface SelfReferenceData {
  entry: string;
}

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

let entry: string | undefined;

/** Receives the entry URL when the hook is registered. */
export async function initialize(data: SelfReferenceData): Promise<void> {
  entry = data.entry;
}

/** `mlserver-ts` → the server's own entry; everything else resolves as usual. */
export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: NextResolve,
): Promise<{ url: string; shortCircuit?: boolean; format?: string }> {
  if (entry && specifier === 'mlserver-ts') return { url: entry, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}
