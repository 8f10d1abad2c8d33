import type { InferenceResponse } from './types.js';

/**
 * Splits `parameters.headers` off a response: transports send them as HTTP headers or gRPC
 * metadata, and the body no longer carries them (as MLServer does).
 */
export function takeResponseHeaders(response: InferenceResponse): {
  response: InferenceResponse;
  headers: Record<string, string>;
} {
  const headers = response.parameters?.headers;
  if (!headers || typeof headers !== 'object') return { response, headers: {} };
  const { headers: _taken, ...parameters } = response.parameters ?? {};
  const clean: InferenceResponse = { ...response, parameters };
  if (Object.keys(parameters).length === 0) delete clean.parameters;
  const asStrings = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  return { response: clean, headers: asStrings };
}
