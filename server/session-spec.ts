import { DATATYPE_INFO } from './codecs/datatypes.js';
import { toTypedArray } from './codecs/tensor-codec.js';
import { ModelLoadError } from './errors.js';
import type { SessionSettings, SettingsTensor } from './settings/session-settings.js';
import type { Datatype, ModelMetadata, RequestInput, TensorMetadata } from './types.js';

/** One piece of server-held state, ready to use: which output feeds which input, and its first value. */
export interface StateSpec {
  input: string;
  output: string;
  initial: RequestInput | undefined;
  /** The axis of its input and output that holds the batch. */
  batchAxis: number;
}

/**
 * A model's `session` settings checked against its metadata when it loads: the state it keeps
 * per session, the inputs filled by default, the input binary frames fill, its session limit.
 */
export interface SessionSpec {
  state: readonly StateSpec[];
  /** Inputs prefixed with the tail of the previous step's (see `ContextSettings`). */
  context: readonly { input: string; size: number }[];
  defaults: readonly RequestInput[];
  /** The input a binary frame fills, when the model has one (explicit, or the one input left). */
  binaryInput: TensorMetadata | undefined;
  maxSessions: number | null;
}

/**
 * Compiles `session` settings against the model's metadata; a state or default input the model
 * does not have, or server-held state on a runtime that streams by itself, fails the load.
 */
export function compileSessionSpec(
  model: string,
  settings: SessionSettings,
  metadata: ModelMetadata,
  nativeStream: boolean,
): SessionSpec {
  const inputs = new Map(metadata.inputs.map((tensor) => [tensor.name, tensor]));
  const outputs = new Set(metadata.outputs.map((tensor) => tensor.name));
  const fail = (problem: string) => new ModelLoadError(`model '${model}': session.${problem}`);
  if ((settings.state.length > 0 || settings.context.length > 0) && nativeStream) {
    throw fail(
      'state and context need a runtime without its own predictStream (the server calls predict once per step); a streaming runtime keeps its state in predictStream',
    );
  }
  const known = (name: string) => inputs.size === 0 || inputs.has(name);
  const state = settings.state.map((entry, i) => {
    if (!known(entry.input)) throw fail(`state[${i}].input: the model has no input '${entry.input}'`);
    if (outputs.size > 0 && !outputs.has(entry.output))
      throw fail(`state[${i}].output: the model has no output '${entry.output}'`);
    const datatype = entry.initial?.datatype ?? inputs.get(entry.input)?.datatype;
    const initial = entry.initial ? settingsTensor(entry.input, entry.initial, datatype, fail) : undefined;
    return { input: entry.input, output: entry.output, initial, batchAxis: entry.batch_axis };
  });
  const defaults = settings.defaults.map((entry, i) => {
    if (!known(entry.name)) throw fail(`defaults[${i}]: the model has no input '${entry.name}'`);
    return settingsTensor(entry.name, entry, entry.datatype, fail);
  });
  settings.context.forEach((entry, i) => {
    if (!known(entry.input)) throw fail(`context[${i}].input: the model has no input '${entry.input}'`);
  });
  const filled = new Set([...state.map((s) => s.input), ...defaults.map((d) => d.name)]);
  let binaryInput: TensorMetadata | undefined;
  if (settings.binary_input !== null) {
    binaryInput = inputs.get(settings.binary_input);
    if (!binaryInput) throw fail(`binary_input: the model declares no input '${settings.binary_input}'`);
  } else {
    const left = metadata.inputs.filter((tensor) => !filled.has(tensor.name));
    binaryInput = left.length === 1 ? left[0] : undefined;
  }
  return { state, context: settings.context, defaults, binaryInput, maxSessions: settings.max_sessions };
}

/** A settings tensor as a request input: `data` as given, or `shape`'s element count of `fill`. */
function settingsTensor(
  name: string,
  tensor: SettingsTensor,
  datatype: Datatype | undefined,
  fail: (problem: string) => Error,
): RequestInput {
  if (!datatype) throw fail(`'${name}' needs a datatype (the model's metadata does not give one)`);
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const values = tensor.data ?? new Array<number>(count).fill(tensor.fill ?? 0);
  if (values.length !== count)
    throw fail(
      `'${name}' has shape ${JSON.stringify(tensor.shape)} (${count} elements) but ${values.length} values`,
    );
  const data =
    DATATYPE_INFO[datatype].kind === 'bytes' || datatype === 'BOOL' ? values : toTypedArray(datatype, values);
  return { name, datatype, shape: [...tensor.shape], data };
}
