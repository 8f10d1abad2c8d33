import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLED_MODELS } from '../../scripts/bundled-models.js';

describe('generated models in model-repository/', () => {
  test.each(Object.keys(BUNDLED_MODELS))(
    '%s is what scripts/generate-models.ts produces, byte for byte',
    async (file) => {
      const committed = await readFile(path.resolve(file));
      const generated = BUNDLED_MODELS[file]!();
      expect(Buffer.compare(committed, Buffer.from(generated))).toBe(0);
    },
  );
});
