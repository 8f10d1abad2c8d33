/**
 * MLServer's clients send `inference_request.dict()`: every optional field is present, as `null`
 * when unset, and MLServer reads `null` as absent. This is that rule, once, for requests and
 * responses of every transport: the optional fields below lose their `null`, and so do
 * `content_type` and `headers` in `parameters`; other parameters are the client's own and kept.
 */

/** Optional fields of an inference request. */
export const REQUEST_OPTIONALS = ['id', 'parameters', 'outputs'] as const;
/** Optional fields of an input, a requested output or a response output. */
export const TENSOR_OPTIONALS = ['parameters'] as const;
/** Optional fields of an inference response. */
export const RESPONSE_OPTIONALS = ['model_version', 'id', 'parameters'] as const;
/** Keys of `parameters` that have a meaning to the server and may be `null` (= absent). */
const PARAMETER_OPTIONALS = ['content_type', 'headers'] as const;

/** The object without its `optionals` that are `null` (a copy when anything changes). */
export function withoutNulls(
  record: Record<string, unknown>,
  optionals: readonly string[],
): Record<string, unknown> {
  let result = record;
  for (const key of optionals) {
    if (result[key] !== null) continue;
    if (result === record) result = { ...record };
    delete result[key];
  }
  const parameters = result.parameters;
  if (isRecord(parameters) && PARAMETER_OPTIONALS.some((key) => parameters[key] === null)) {
    const clean = { ...parameters };
    for (const key of PARAMETER_OPTIONALS) if (clean[key] === null) delete clean[key];
    result = { ...result, parameters: clean };
  }
  return result;
}

/**
 * A request object (decoded JSON) with the nulls of the rule removed throughout: its own
 * optionals and those of each input and requested output. For edges that read a request before
 * the core validates it (its id, the binary extension's parameters).
 */
export function requestWithoutNulls(request: Record<string, unknown>): Record<string, unknown> {
  const result = withoutNulls(request, REQUEST_OPTIONALS);
  for (const key of ['inputs', 'outputs'] as const) {
    const list = result[key];
    if (!Array.isArray(list)) continue;
    result[key] = list.map((tensor: unknown) =>
      isRecord(tensor) ? withoutNulls(tensor, TENSOR_OPTIONALS) : tensor,
    );
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
