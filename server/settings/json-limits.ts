import type { JsonRequestOptions } from '../wire/json-request.js';
import type { ServerSettings } from './server-settings.js';

/** The limits every JSON request decode gets from the settings (REST bodies, WebSocket messages). */
export function jsonLimits(settings: ServerSettings): JsonRequestOptions {
  return {
    maxInputBytes: settings.max_tensor_bytes,
    maxRequestBytes: settings.max_request_tensor_bytes,
    inputSetting: 'max_tensor_bytes',
    requestSetting: 'max_request_tensor_bytes',
  };
}
