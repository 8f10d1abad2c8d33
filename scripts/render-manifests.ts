/**
 * Renders every kustomization under deploy/ with the real `kubectl kustomize` and writes the
 * output to test/fixtures/deploy-rendered/, where test/deploy-manifests.test.ts checks that its
 * own renderer (used to validate the manifests against the CRD schemas) gives the same objects.
 * Run after changing deploy/: `npm run render-manifests` (needs kubectl on the PATH).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'test/fixtures/deploy-rendered');

/** Every folder under deploy/ holding a kustomization.yaml, relative to the repository. */
export function kustomizationDirs(): string[] {
  return readdirSync(path.join(root, 'deploy'), { recursive: true, encoding: 'utf8' })
    .filter((file) => path.basename(file) === 'kustomization.yaml')
    .map((file) => path.join('deploy', path.dirname(file)))
    .sort();
}

/** The fixture file holding one kustomization's rendering. */
export function renderedFile(dir: string): string {
  return path.join(out, `${dir.replaceAll(path.sep, '__')}.yaml`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
    .split('\n')
    .find((line) => line.startsWith('Kustomize Version'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const dir of kustomizationDirs()) {
    const yaml = execFileSync('kubectl', ['kustomize', path.join(root, dir)], { encoding: 'utf8' });
    const header = `# kubectl kustomize ${dir} (${version}); regenerate with npm run render-manifests\n`;
    writeFileSync(renderedFile(dir), header + yaml);
    console.log(`${dir} -> ${path.relative(root, renderedFile(dir))}`);
  }
}
