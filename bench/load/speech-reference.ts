import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InferenceRequest, InferenceResponse, MLModel, MLModelClass } from 'mlserver-ts';
import { modelSettingsValidator } from '../../server/settings/model-settings.js';

/**
 * What a session must get back, and when it may: each response of a streaming runtime with the
 * index of the frame whose arrival produced it (`frames.length` for the end of the input). The
 * frame-to-result latency of a response is then its arrival time minus that frame's send time.
 */
export interface Reference {
  /** Each response's outputs, for checking what came back under load. */
  responses: string[];
  /** Each response's triggering frame (`frames.length`: the end of the input). */
  triggers: number[];
}

/** A model folder's runtime, loaded in this process exactly as the server loads it (same settings, same class). */
export async function loadRuntime(folder: string, runtime: MLModelClass): Promise<MLModel> {
  const file = path.join(folder, 'model-settings.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const settings = modelSettingsValidator.validate({ ...json, folder, source: file }, file);
  const model = new runtime(settings);
  await model.load();
  return model;
}

/**
 * Runs `frames` through a runtime's `predictStream` one request at a time, in this process. A
 * runtime pulls its next request only once it has yielded every response of the previous ones,
 * so the number of requests pulled when a response comes out says which frame produced it
 * (deterministic: the speech runtimes' results do not depend on timing).
 */
export async function referenceRun(model: MLModel, frames: readonly Int16Array[]): Promise<Reference> {
  let pulled = 0;
  async function* requests(): AsyncGenerator<InferenceRequest> {
    for (const frame of frames) {
      pulled++;
      yield { inputs: [{ name: 'audio', datatype: 'INT16', shape: [frame.length], data: frame }] };
    }
    pulled++; // the end of the input
  }
  const context = { signal: new AbortController().signal, headers: {}, requestId: 'reference' };
  const reference: Reference = { responses: [], triggers: [] };
  for await (const response of model.predictStream(requests(), context)) {
    reference.responses.push(outputsKey(response));
    reference.triggers.push(pulled - 1);
  }
  return reference;
}

/** A response's outputs as comparable text (names and data; ids and versions left out). */
export function outputsKey(response: Pick<InferenceResponse, 'outputs'>): string {
  return JSON.stringify(
    response.outputs.map((o) => [o.name, Array.from(o.data as ArrayLike<unknown>, (v) => v)]),
  );
}
