import { InvalidInputError } from './errors.js';

/** Triton's sequence parameters of one request. */
export interface SequenceParams {
  /** The sequence id as text (Triton's ids are uint64 or strings). */
  id: string;
  start: boolean;
  end: boolean;
}

/**
 * Reads Triton's sequence extension from a request body's `parameters`: `sequence_id` (a
 * non-zero integer or a non-empty string; 0 and "" mean no sequence, as in Triton),
 * `sequence_start`, `sequence_end`. Undefined when the request is not part of a sequence.
 */
export function sequenceParams(body: unknown): SequenceParams | undefined {
  const parameters = (body as { parameters?: unknown } | null | undefined)?.parameters;
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const {
    sequence_id: raw,
    sequence_start: start,
    sequence_end: end,
  } = parameters as Record<string, unknown>;
  if (raw === undefined || raw === null || raw === 0 || raw === '' || raw === 0n) {
    if (start === true || end === true)
      throw new InvalidInputError('sequence_start and sequence_end need a sequence_id');
    return undefined;
  }
  let id: string;
  if (typeof raw === 'string') id = raw;
  else if (
    (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) ||
    (typeof raw === 'bigint' && raw > 0n)
  )
    id = String(raw);
  else
    throw new InvalidInputError(
      `sequence_id must be a positive integer or a string; got ${JSON.stringify(String(raw))}`,
    );
  return { id, start: flag('sequence_start', start), end: flag('sequence_end', end) };
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  throw new InvalidInputError(`${name} must be true or false`);
}
