/**
 * MLServer's clients send `inference_request.dict()`: every optional field is present, as
 * `null` when unset. The protocol means "absent" by it, so these nulls are removed before
 * validation: the request's `id`, `parameters` and `outputs`, each input's and output's
 * `parameters`, and `content_type` and `headers` in any of those parameters. Other nulls stay
 * (and are refused where a value is required).
 */
export function dropNullOptionals(request: Record<string, unknown>): void {
  dropNull(request, 'id');
  dropNull(request, 'parameters');
  dropNull(request, 'outputs');
  dropNullParameters(request.parameters);
  for (const list of [request.inputs, request.outputs]) {
    if (!Array.isArray(list)) continue;
    for (const tensor of list) {
      if (!isRecord(tensor)) continue;
      dropNull(tensor, 'parameters');
      dropNullParameters(tensor.parameters);
    }
  }
}

function dropNullParameters(parameters: unknown): void {
  if (!isRecord(parameters)) return;
  dropNull(parameters, 'content_type');
  dropNull(parameters, 'headers');
}

function dropNull(object: Record<string, unknown>, key: string): void {
  if (Object.hasOwn(object, key) && object[key] === null) delete object[key];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
