#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { createLogger } from './logger.js';
import { guardProcess } from './process-guard.js';
import { runtimeImporter } from './runtime-modules/runtime-importer.js';
import { InferenceServer } from './server.js';
import { loadServerSettings } from './settings/load-settings.js';
import { SettingsError } from './settings/settings-error.js';

/** package.json is one folder up from the sources and two up from the build (dist/server). */
const packageFile = ['../package.json', '../../package.json']
  .map((relative) => new URL(relative, import.meta.url))
  .find((url) => existsSync(url))!;
const packageJson = JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string };

/** Exit codes, as the README documents them. */
const EXIT = { stopped: 0, failed: 1, badSettings: 2 } as const;

async function start(folder: string): Promise<void> {
  const root = path.resolve(folder);
  let settings: Awaited<ReturnType<typeof loadServerSettings>>;
  try {
    await assertFolder(root, 'the folder to serve');
    settings = await loadServerSettings(root);
    await assertFolder(settings.model_repository_root, 'model_repository_root');
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT.badSettings);
    }
    throw err;
  }
  const logger = createLogger({
    debug: settings.debug,
    structured: settings.use_structured_logging,
    logging: typeof settings.logging_settings === 'object' ? settings.logging_settings : null,
  });
  const server = new InferenceServer({
    settings: { ...settings, server_version: packageJson.version },
    importModule: runtimeImporter(),
    logger,
  });
  guardProcess(server, logger, (code) => process.exit(code));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(EXIT.failed);
    }
    logger.info(`${signal} received`);
    server.stop().then(
      () => process.exit(EXIT.stopped),
      (err: unknown) => {
        logger.error('shutdown failed', err);
        process.exit(EXIT.failed);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  logger.info(`mlserver-ts ${packageJson.version}: serving models from ${settings.model_repository_root}`);
  try {
    await server.start();
  } catch (err) {
    logger.error(err instanceof Error ? err.message : String(err), err);
    await server.stop().catch(() => undefined);
    process.exit(EXIT.failed);
  }
  await server.whenModelsLoaded();
}

/** A folder the server needs must exist before any port is bound. */
async function assertFolder(folder: string, what: string): Promise<void> {
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new SettingsError(folder, [`${what}: ${found ? 'not a folder' : 'no such folder'}`]);
  }
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
    '\nSettings come from <folder>/settings.json; fields it does not set can come from MLSERVER_* environment\nvariables (MLSERVER_HTTP_PORT, MLSERVER_GRPC_PORT, MLSERVER_HOST, …). See the README for every field.\n\nExit codes: 0 stopped by a signal; 1 failed (a port in use, a fatal error); 2 invalid settings or folder.',
  )
  .action(start);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`mlserver-ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT.failed);
});
