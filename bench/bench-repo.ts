import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The ONNX models the bench serves when the repository bundles them. */
export const ONNX_MODELS = ['simple', 'silero-vad', 'iris-classifier'] as const;

/**
 * Adaptive batching of the batched copy of each bundled ONNX model (`<name>-batched`), for the
 * batching rows: up to 32 requests per model call, 2 ms for a batch to fill.
 */
export const BATCHING = { max_batch_size: 32, max_batch_time: 0.002 } as const;

/** The name of a bundled model's batched copy. */
export function batchedName(model: string): string {
  return `${model}-batched`;
}

/** A model repository assembled for one run, removed afterwards. */
export interface BenchRepo {
  folder: string;
  /** Bundled ONNX models that were copied in. */
  onnx: string[];
  /** ONNX models the repository does not bundle. */
  missing: string[];
  remove(): void;
}

/**
 * Assembles the run's model repository in a temporary folder: `bench/models/*` (identity,
 * stream6, held and the settings with port 0) plus `model-repository/simple` and
 * `model-repository/silero-vad` and `model-repository/iris-classifier` when they exist, each also as a batched copy (`BATCHING`). Folders are copied, not linked, because the
 * server's repository scan does not follow symbolic links.
 */
export function assembleRepo(repoRoot: string, modelRepository: string): BenchRepo {
  const folder = mkdtempSync(path.join(tmpdir(), 'mlserver-ts-bench-'));
  const models = path.join(repoRoot, 'bench', 'models');
  for (const entry of readdirSync(models))
    cpSync(path.join(models, entry), path.join(folder, entry), { recursive: true });
  const onnx: string[] = [];
  const missing: string[] = [];
  for (const name of ONNX_MODELS) {
    const source = path.join(modelRepository, name);
    if (existsSync(path.join(source, 'model-settings.json'))) {
      // silero-vad's weights are a link into node_modules: cpSync makes the copy's link absolute.
      cpSync(source, path.join(folder, name), { recursive: true });
      const batched = path.join(folder, batchedName(name));
      cpSync(source, batched, { recursive: true });
      const file = path.join(batched, 'model-settings.json');
      const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...settings, name: batchedName(name), ...BATCHING }));
      onnx.push(name);
    } else {
      missing.push(name);
    }
  }
  return { folder, onnx, missing, remove: () => rmSync(folder, { recursive: true, force: true }) };
}
