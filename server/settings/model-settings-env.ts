import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readEnvFields, type SchemaType } from './env-values.js';
import { type ModelSettings, modelSettingsSchema, modelSettingsValidator } from './model-settings.js';
import { SettingsError } from './settings-error.js';

/** The prefix of the variables MLServer builds its single model from (pydantic's `env_prefix`). */
export const MODEL_ENV_PREFIX = 'MLSERVER_MODEL_';

/** What errors and `source` name for the model built from the environment. */
export const MODEL_ENV_SOURCE = 'environment (MLSERVER_MODEL_*)';

type FieldSchemas = Record<string, { type?: SchemaType; properties?: FieldSchemas }>;

const NOT_FROM_ENV = new Set(['parameters', 'folder', 'source']);
const allFields = modelSettingsSchema.properties as FieldSchemas;
const modelFields = Object.fromEntries(
  Object.entries(allFields).filter(([field]) => !NOT_FROM_ENV.has(field)),
);
const parameterFields = allFields.parameters?.properties ?? {};

/** The single model described by `MLSERVER_MODEL_*`: its settings, or why they are invalid. */
export type EnvironmentModel =
  | { name: string; folder: string; settings: ModelSettings }
  | { name: string; folder: string; error: SettingsError };

/**
 * Builds the model MLServer serves when its repository holds no `model-settings.json`: every
 * model field (`MLSERVER_MODEL_NAME`, `…_IMPLEMENTATION`, `…_MAX_BATCH_SIZE`, …) and every
 * `parameters` field (`MLSERVER_MODEL_URI`, `…_VERSION`, `…_EXTRA`, …) from the environment.
 * Undefined when `MLSERVER_MODEL_IMPLEMENTATION` is unset or empty (MLServer then finds no model).
 *
 * The model folder is `MLSERVER_MODEL_URI` (relative to `cwd`), or the folder holding it when
 * it names a file, else `root`; `module.Export` implementations resolve there. `name` defaults
 * to that folder's name, as for a `model-settings.json` without one. Nothing is written anywhere.
 */
export async function modelSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  root: string,
  cwd: string = process.cwd(),
): Promise<EnvironmentModel | undefined> {
  if (!env[`${MODEL_ENV_PREFIX}IMPLEMENTATION`]) return undefined;
  const fields = readEnvFields(env, MODEL_ENV_PREFIX, modelFields);
  const parameters = readEnvFields(env, MODEL_ENV_PREFIX, parameterFields);
  const { folder, uri } = await locate(parameters.uri, root, cwd);
  if (uri !== undefined) parameters.uri = uri;
  const name = typeof fields.name === 'string' && fields.name ? fields.name : path.basename(folder);
  try {
    const settings = modelSettingsValidator.validate(
      { name, ...fields, parameters, folder, source: MODEL_ENV_SOURCE },
      MODEL_ENV_SOURCE,
    );
    return { name, folder, settings };
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    return { name, folder, error: new SettingsError(MODEL_ENV_SOURCE, err.problems.map(nameVariable)) };
  }
}

/** The model folder and the absolute uri for `MLSERVER_MODEL_URI` (a uri with a scheme stays as written). */
async function locate(
  raw: unknown,
  root: string,
  cwd: string,
): Promise<{ folder: string; uri: string | undefined }> {
  if (typeof raw !== 'string' || raw === '') return { folder: root, uri: undefined };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { folder: root, uri: raw };
  const target = path.resolve(cwd, raw);
  const isFile = await stat(target).then(
    (info) => info.isFile(),
    () => false, // missing: the runtime reports it when it loads
  );
  return { folder: isFile ? path.dirname(target) : target, uri: target };
}

/** `parameters.extra: expected object` → `MLSERVER_MODEL_EXTRA: expected object`. */
function nameVariable(problem: string): string {
  const match = /^(parameters\.)?([a-z_]+)/.exec(problem);
  if (!match?.[2]) return problem;
  const known = match[1] ? match[2] in parameterFields : match[2] in modelFields;
  if (!known) return problem;
  return `${MODEL_ENV_PREFIX}${match[2].toUpperCase()}${problem.slice(match[0].length)}`;
}
