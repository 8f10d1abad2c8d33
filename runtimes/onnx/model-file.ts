import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError, type ModelSettings } from 'mlserver-ts';

/**
 * The model file of an ONNX model: `parameters.uri` (relative to the model folder) names a
 * `.onnx` file or a folder holding `model.onnx`; without a uri, the model folder's `model.onnx`.
 */
export async function resolveModelFile(settings: ModelSettings): Promise<string> {
  const uri = settings.parameters.uri ?? '.';
  const target = path.resolve(settings.folder, uri);
  const found = await kind(target);
  if (found === 'file') return target;
  if (found === 'folder') {
    const file = path.join(target, 'model.onnx');
    if ((await kind(file)) === 'file') return file;
    throw new ModelLoadError(
      `model '${settings.name}': parameters.uri '${uri}' is a folder without model.onnx (${file})`,
    );
  }
  throw new ModelLoadError(`model '${settings.name}': parameters.uri '${uri}' does not exist (${target})`);
}

async function kind(file: string): Promise<'file' | 'folder' | undefined> {
  try {
    const info = await stat(file);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}
