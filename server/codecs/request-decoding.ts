import type { ModelMetadata, RequestInput } from '../types.js';
import { BytesCodec } from './bytes-codec.js';
import { findInputCodec } from './codec-registry.js';
import { TensorCodec } from './tensor-codec.js';

/**
 * Decodes one input as MLServer chooses its codec: the input's own `content_type`, then the
 * model metadata's for that input, then the payload type (numeric → typed array, BYTES → bytes).
 */
export function decodeInputValue(input: RequestInput, metadata?: Pick<ModelMetadata, 'inputs'>): unknown {
  const declared = metadata?.inputs.find((i) => i.name === input.name)?.parameters?.content_type;
  const contentType = input.parameters?.content_type ?? (typeof declared === 'string' ? declared : undefined);
  if (contentType) return findInputCodec(contentType, input.name).decodeInput(input);
  if (input.datatype === 'BYTES') return BytesCodec.decodeInput(input);
  return TensorCodec.decodeInput(input);
}
