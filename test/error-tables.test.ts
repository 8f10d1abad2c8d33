import { DataPlane } from '../server/dataplane.js';
import type { ErrorCode } from '../server/errors.js';
import { CancelledError, InferenceServerError, UnavailableError } from '../server/errors.js';
import { GRPC_STATUS } from '../server/grpc/grpc-status.js';
import { silentLogger } from '../server/logger.js';
import { ModelRegistry } from '../server/registry.js';
import { HTTP_STATUS } from '../server/wire/http-status.js';
import { RuntimeLoader } from '../server/runtime-loader.js';
import { serverSettingsValidator } from '../server/settings/server-settings.js';

const ALL_CODES: ErrorCode[] = [
  'invalid_argument',
  'not_found',
  'model_not_ready',
  'unavailable',
  'overloaded',
  'payload_too_large',
  'unsupported_media_type',
  'deadline_exceeded',
  'cancelled',
  'unimplemented',
  'load_failed',
  'unauthenticated',
  'permission_denied',
  'internal',
];

describe('the error tables', () => {
  test('every code has an HTTP status and a gRPC status', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ALL_CODES].sort());
    expect(Object.keys(GRPC_STATUS).sort()).toEqual([...ALL_CODES].sort());
  });

  test('from() keeps server errors, turns aborts into cancellations and the rest into clean internal errors', () => {
    const known = new UnavailableError('x');
    expect(InferenceServerError.from(known)).toBe(known);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(InferenceServerError.from(abort)).toBeInstanceOf(CancelledError);
    const wrapped = InferenceServerError.from(new TypeError('x is undefined'), 'model error');
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('model error: x is undefined');
    expect((wrapped.cause as Error).name).toBe('TypeError');
  });

  test('a shutting-down dataplane refuses new calls with unavailable (503 / UNAVAILABLE)', async () => {
    const settings = serverSettingsValidator.validate({}, 'test');
    const registry = new ModelRegistry(new RuntimeLoader((url) => import(url)), silentLogger, 0);
    const dataplane = new DataPlane(registry, settings);
    dataplane.beginShutdown();
    const call = dataplane.call({ transport: 'rest', headers: {} });
    await expect(dataplane.infer({ name: 'any' }, { inputs: [] }, call)).rejects.toThrow(
      new UnavailableError('server is shutting down'),
    );
    expect(HTTP_STATUS.unavailable).toBe(503);
    expect(dataplane.ready()).toBe(false);
  });
});
