#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { tsImport } from 'tsx/esm/api';
import { createLogger } from './logger.js';
import { InferenceServer } from './server.js';
import { loadServerSettings } from './settings/load-settings.js';
import { SettingsError } from './settings/settings-error.js';

/** package.json is one folder up from the sources and two up from the build (dist/server). */
const packageFile = ['../package.json', '../../package.json']
  .map((relative) => new URL(relative, import.meta.url))
  .find((url) => existsSync(url))!;
const packageJson = JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string };

/** Imports runtime modules with tsx, so `.ts` runtimes next to model-settings.json load as they are. */
const importWithTsx = (url: string) => tsImport(url, import.meta.url) as Promise<Record<string, unknown>>;

async function start(folder: string): Promise<void> {
  const root = path.resolve(folder);
  let settings: Awaited<ReturnType<typeof loadServerSettings>>;
  try {
    settings = await loadServerSettings(root);
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ debug: settings.debug, structured: settings.use_structured_logging });
  const server = new InferenceServer({
    settings: { ...settings, server_version: packageJson.version },
    importModule: importWithTsx,
    logger,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    logger.info(`${signal} received`);
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  logger.info(`mlserver-ts ${packageJson.version}: serving models from ${settings.model_repository_root}`);
  await server.start();
  await server.whenModelsLoaded();
}

const program = new Command()
  .name('mlserver-ts')
  .description('An inference server for the Open Inference Protocol (KServe v2), REST and gRPC.')
  .version(packageJson.version, '-v, --version');

program
  .command('start')
  .description('serve every model whose model-settings.json is found below <folder>')
  .argument('<folder>', 'folder holding settings.json (optional) and the models')
  .addHelpText(
    'after',
    '\nSettings come from <folder>/settings.json; fields it does not set can come from MLSERVER_* environment\nvariables (MLSERVER_HTTP_PORT, MLSERVER_GRPC_PORT, MLSERVER_HOST, …). See the README for every field.',
  )
  .action(start);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`mlserver-ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
