import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tlsSettingsProblems } from '../tls-options.js';
import { type ServerSettings, serverSettingsFromEnv, serverSettingsValidator } from './server-settings.js';
import { validateLoggingConfig } from './observability-settings.js';
import { deepFreeze } from './schema-validator.js';
import { SettingsError } from './settings-error.js';

/**
 * Reads `<folder>/settings.json` (optional), fills the fields it does not set from `MLSERVER_*`
 * environment variables (file values win, as in MLServer), validates and freezes the result.
 * `model_repository_root` and the TLS files come back absolute, relative to `folder`; the TLS
 * files are checked (readable, usable PEM) here, so a bad one is a settings error (exit code 2).
 * A `logging_settings` path (relative to `folder`) is read and validated here too: it comes back
 * as the config it holds.
 */
export async function loadServerSettings(
  folder: string,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, unknown> = {},
): Promise<ServerSettings> {
  const file = path.join(folder, 'settings.json');
  const fromFile = await readJsonFile(file, { optional: true });
  const merged = { ...serverSettingsFromEnv(env), ...(fromFile ?? {}), ...overrides };
  const source = fromFile ? file : 'settings (environment)';
  const settings = serverSettingsValidator.validate(merged, source);
  const inFolder = (file: string | null) => (file === null ? null : path.resolve(folder, file));
  const logging = settings.logging_settings;
  const resolved = Object.freeze({
    ...settings,
    logging_settings:
      typeof logging === 'string'
        ? deepFreeze(
            validateLoggingConfig(
              await readJsonFile(path.resolve(folder, logging)),
              path.resolve(folder, logging),
            ),
          )
        : logging,
    model_repository_root: path.resolve(folder, settings.model_repository_root),
    tls_cert_file: inFolder(settings.tls_cert_file),
    tls_key_file: inFolder(settings.tls_key_file),
    tls_ca_file: inFolder(settings.tls_ca_file),
  });
  const problems = tlsSettingsProblems(resolved);
  if (problems.length > 0) throw new SettingsError(source, problems);
  return resolved;
}

/** Reads and parses a JSON file; a syntax error names the file. */
export async function readJsonFile(
  file: string,
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (options.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SettingsError(file, [`cannot read: ${(err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SettingsError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SettingsError(file, ['(root): expected object']);
  }
  return value as Record<string, unknown>;
}
