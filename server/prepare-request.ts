import type { ModelSlot } from './model-slot.js';
import { checkTensorBudget } from './tensor-budget.js';
import type { DecodeLimits } from './wire/decode-budget.js';
import { validateInferenceRequest } from './request-validation.js';
import { checkResponse } from './response-check.js';
import type { InferenceRequest, InferenceResponse } from './types.js';

/**
 * Validates a request body, holds its tensors to the size limits and to the model's declared
 * inputs, and fills what the server
 * knows: its id (the body's, else `fallbackId`) and the request headers (as MLServer passes them
 * in `parameters.headers`).
 */
export function prepareRequest(
  body: unknown,
  slot: ModelSlot,
  fallbackId: string,
  headers: Readonly<Record<string, string>>,
  limits: DecodeLimits,
): InferenceRequest {
  const request = validateInferenceRequest(body);
  checkTensorBudget(request, limits);
  slot.contract.check(request);
  request.id ??= fallbackId;
  if (Object.keys(headers).length > 0) {
    request.parameters = { ...request.parameters, headers: { ...headers } };
  }
  return request;
}

/** Checks a runtime's response and fills model name, version and id when the runtime left them out. */
export function completeResponse(
  response: unknown,
  slot: ModelSlot,
  requestId: string | undefined,
): InferenceResponse {
  const result = checkResponse(response, slot.name, slot.declaredOutputs);
  result.model_name ??= slot.name;
  if (result.model_version === undefined && slot.version !== undefined) result.model_version = slot.version;
  if (requestId !== undefined) result.id ??= requestId;
  return result;
}
