import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from './errors.js';
import type { ModelSettings } from './settings/model-settings.js';
import type { ModelFilesScope } from './settings/security-settings.js';

/**
 * Where a model's code (`implementation`) and artefact (`parameters.uri`) may resolve: the
 * `model_files_scope` setting and the repository root it may widen to.
 */
export interface ModelFilesPolicy {
  scope: ModelFilesScope;
  /** `model_repository_root`; without it, `repository` means the model folder. */
  repositoryRoot?: string;
}

/** The safe default: a model's names resolve inside its own folder only. */
export const MODEL_FOLDER_ONLY: ModelFilesPolicy = { scope: 'model_folder' };

/**
 * Resolves `name` (relative to the model folder, or absolute) and refuses it when it lies
 * outside what the policy allows. The check is on the path as written: `..` segments and
 * absolute paths cannot leave the folder, while symbolic links inside it are followed wherever
 * they point (whoever can place a link in a model folder can place code there too; KServe's
 * modelcars mount `/mnt/models` through a link, and this repository's `text-model` links its
 * runtime from `examples/`).
 */
export function resolveInside(
  settings: ModelSettings,
  name: string,
  what: string,
  policy: ModelFilesPolicy,
): string {
  const target = path.resolve(settings.folder, name);
  if (policy.scope === 'any') return target;
  const root =
    policy.scope === 'repository' && policy.repositoryRoot ? policy.repositoryRoot : settings.folder;
  if (isInside(root, target)) return target;
  const where = root === settings.folder ? `the model folder ${root}` : `the model repository ${root}`;
  const wider =
    policy.scope === 'model_folder'
      ? '"repository" allows the whole model repository, "any" allows any path'
      : '"any" allows any path';
  throw new ModelLoadError(
    `model '${settings.name}': ${what} resolves outside ${where} (setting model_files_scope is "${policy.scope}"; ${wider})`,
  );
}

/**
 * Refuses a `parameters.uri` that names a local file outside what the policy allows, before any
 * runtime reads it. A uri with another scheme (`s3://…`, `gs://…`) is no local path and passes
 * as written; `file://` URLs are checked as the path they name.
 */
export function checkModelUri(settings: ModelSettings, policy: ModelFilesPolicy): void {
  const uri = settings.parameters.uri;
  if (!uri) return;
  let local = uri;
  if (/^file:/i.test(uri)) {
    try {
      local = fileURLToPath(uri);
    } catch {
      throw new ModelLoadError(`model '${settings.name}': parameters.uri '${uri}' is not a valid file URL`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    return;
  }
  resolveInside(settings, local, `parameters.uri '${uri}'`, policy);
}

/** Whether `target` is `root` or lies below it (both absolute; compared as written). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}
