import { access } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelLoadError } from './errors.js';
import type { MLModel, MLModelClass } from './model.js';
import { checkModelUri, MODEL_FOLDER_ONLY, type ModelFilesPolicy, resolveInside } from './model-files.js';
import type { ModelSettings } from './settings/model-settings.js';

/** Imports a module by file URL. The CLI passes one that understands TypeScript (tsx). */
export type ModuleImporter = (url: string) => Promise<Record<string, unknown>>;

/** Resolves a built-in runtime's class; loaded lazily so unused runtimes cost nothing. */
export type BuiltinRuntime = () => Promise<MLModelClass>;

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

/**
 * Turns a model's `implementation` into a runtime instance. A registered short name (`onnx`)
 * picks a built-in; otherwise `module.Export` (MLServer's form) names the export `Export` of
 * `module.ts` / `.js` next to the model-settings file (dots in the module part are folders).
 * The module, and the model's `parameters.uri`, must resolve inside the model folder unless the
 * policy (`model_files_scope`) widens that; a name that escapes fails the load with the reason.
 */
export class RuntimeLoader {
  private readonly builtins = new Map<string, BuiltinRuntime>();

  constructor(
    private readonly importModule: ModuleImporter,
    private readonly policy: ModelFilesPolicy = MODEL_FOLDER_ONLY,
  ) {}

  /** Registers a built-in runtime under a short name. */
  register(name: string, runtime: BuiltinRuntime): this {
    this.builtins.set(name, runtime);
    return this;
  }

  /** The registered short names. */
  get builtinNames(): string[] {
    return [...this.builtins.keys()];
  }

  /** Creates (but does not load) the runtime for these settings. */
  async create(settings: ModelSettings): Promise<MLModel> {
    checkModelUri(settings, this.policy);
    const ModelClass = await this.resolve(settings);
    try {
      return new ModelClass(settings);
    } catch (err) {
      throw new ModelLoadError(`constructing ${settings.implementation} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  private async resolve(settings: ModelSettings): Promise<MLModelClass> {
    const { implementation } = settings;
    const builtin = this.builtins.get(implementation);
    if (builtin) return builtin();
    const dot = implementation.lastIndexOf('.');
    if (dot <= 0 || dot === implementation.length - 1) {
      throw new ModelLoadError(
        `implementation '${implementation}' is neither a built-in runtime (${this.builtinNames.join(', ') || 'none'}) nor 'module.ExportName'`,
      );
    }
    const modulePart = implementation.slice(0, dot);
    const exportName = implementation.slice(dot + 1);
    const file = await findModuleFile(settings, modulePart, this.policy);
    if (!file) {
      throw new ModelLoadError(
        `implementation '${implementation}': no ${modulePart.replaceAll('.', '/')}{${SOURCE_EXTENSIONS.join(',')}} in ${settings.folder}`,
      );
    }
    let module: Record<string, unknown>;
    try {
      module = await this.importModule(pathToFileURL(file).href);
    } catch (err) {
      throw new ModelLoadError(`importing ${file} failed: ${(err as Error).message}`, { cause: err });
    }
    const exported =
      module[exportName] ?? (module.default as Record<string, unknown> | undefined)?.[exportName];
    if (typeof exported !== 'function') {
      const names = Object.keys(module).filter((k) => k !== 'default');
      throw new ModelLoadError(
        `implementation '${implementation}': ${path.basename(file)} has no exported class '${exportName}' (exports: ${names.join(', ') || 'none'})`,
      );
    }
    return exported as MLModelClass;
  }
}

/**
 * The module file of `module.Export`: dots as folders first, then the module part as written
 * (`my.model.ts`). A candidate outside what the policy allows is never tried; when nothing
 * allowed exists and some candidate was outside, that is the error (not "no such file").
 */
async function findModuleFile(
  settings: ModelSettings,
  modulePart: string,
  policy: ModelFilesPolicy,
): Promise<string | undefined> {
  const what = `implementation '${settings.implementation}'`;
  let outside: unknown;
  for (const candidate of [modulePart.replaceAll('.', path.sep), modulePart]) {
    for (const extension of SOURCE_EXTENSIONS) {
      let file: string;
      try {
        file = resolveInside(settings, candidate + extension, what, policy);
      } catch (err) {
        outside ??= err;
        continue;
      }
      try {
        await access(file);
        return file;
      } catch {
        // try the next candidate
      }
    }
  }
  if (outside) throw outside;
  return undefined;
}
