/**
 * Writes the ONNX models we generate into `model-repository/` (`npm run generate-models`).
 * With `--check`, writes nothing and fails when a committed file differs from what the
 * generator produces (the test suite runs the same check).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODELS } from './bundled-models.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, generate] of Object.entries(BUNDLED_MODELS)) {
  const target = path.join(root, file);
  const bytes = generate();
  if (check) {
    const current = await readFile(target).catch(() => undefined);
    const same = current !== undefined && Buffer.compare(current, bytes) === 0;
    if (!same) stale++;
    console.log(`${same ? 'up to date' : 'DIFFERS   '} ${file}`);
  } else {
    await writeFile(target, bytes);
    console.log(`wrote ${file} (${bytes.length} bytes)`);
  }
}
if (stale > 0) {
  console.error(`${stale} generated model(s) differ: run 'npm run generate-models'`);
  process.exitCode = 1;
}
