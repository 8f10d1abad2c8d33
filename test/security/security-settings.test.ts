import { describe, expect, test } from '@jest/globals';
import { loadServerSettings } from '../../server/settings/load-settings.js';
import { serverSettingsValidator } from '../../server/settings/server-settings.js';
import { SettingsError } from '../../server/settings/settings-error.js';
import { connectionCapWarning } from '../../server/socket-guard.js';
import { tempFolder } from '../helpers/test-server.js';

describe('connection and access settings', () => {
  test('defaults', () => {
    const s = serverSettingsValidator.validate({}, 'test');
    expect({
      connection_handshake_timeout: s.connection_handshake_timeout,
      http_headers_timeout: s.http_headers_timeout,
      http_request_timeout: s.http_request_timeout,
      http_keep_alive_timeout: s.http_keep_alive_timeout,
      http_max_connections: s.http_max_connections,
      grpc_max_connections: s.grpc_max_connections,
      grpc_max_connection_idle: s.grpc_max_connection_idle,
      grpc_max_connection_age: s.grpc_max_connection_age,
      grpc_keepalive_time: s.grpc_keepalive_time,
      grpc_keepalive_timeout: s.grpc_keepalive_timeout,
      grpc_max_session_memory: s.grpc_max_session_memory,
      auth_inference_tokens: s.auth_inference_tokens,
      auth_admin_tokens: s.auth_admin_tokens,
      auth_api_key_header: s.auth_api_key_header,
      repository_load_unload: s.repository_load_unload,
      tls_cert_file: s.tls_cert_file,
      model_files_scope: s.model_files_scope,
    }).toEqual({
      connection_handshake_timeout: 10,
      http_headers_timeout: 30,
      http_request_timeout: 300,
      http_keep_alive_timeout: 65,
      http_max_connections: 4096,
      grpc_max_connections: 4096,
      grpc_max_connection_idle: 300,
      grpc_max_connection_age: null,
      grpc_keepalive_time: 60,
      grpc_keepalive_timeout: 20,
      grpc_max_session_memory: null,
      auth_inference_tokens: null,
      auth_admin_tokens: null,
      auth_api_key_header: 'x-api-key',
      repository_load_unload: true,
      tls_cert_file: null,
      model_files_scope: 'model_folder',
    });
  });

  test('MLSERVER_* variables: a token as it is, a JSON list of tokens, numbers and switches', async () => {
    const { dir, remove } = await tempFolder();
    try {
      const s = await loadServerSettings(dir, {
        MLSERVER_AUTH_INFERENCE_TOKENS: 's3cr3t-token',
        MLSERVER_AUTH_ADMIN_TOKENS: '["a-token","b-token"]',
        MLSERVER_HTTP_MAX_CONNECTIONS: '100',
        MLSERVER_GRPC_MAX_CONNECTION_IDLE: 'null',
        MLSERVER_REPOSITORY_LOAD_UNLOAD: 'false',
        MLSERVER_MODEL_FILES_SCOPE: 'repository',
      });
      expect(s.auth_inference_tokens).toBe('s3cr3t-token');
      expect(s.auth_admin_tokens).toEqual(['a-token', 'b-token']);
      expect(s.http_max_connections).toBe(100);
      expect(s.grpc_max_connection_idle).toBeNull();
      expect(s.repository_load_unload).toBe(false);
      expect(s.model_files_scope).toBe('repository');
    } finally {
      await remove();
    }
  });

  test('bad values are listed with their fields', () => {
    let error: unknown;
    try {
      serverSettingsValidator.validate(
        {
          auth_inference_tokens: [],
          auth_admin_tokens: '',
          http_max_connections: 0,
          connection_handshake_timeout: 0,
          model_files_scope: 'anywhere',
        },
        'settings.json',
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual(
      expect.arrayContaining([
        'auth_inference_tokens: must NOT have fewer than 1 items',
        'auth_admin_tokens: must NOT have fewer than 1 characters',
        'http_max_connections: must be >= 1',
        'connection_handshake_timeout: must be > 0',
        'model_files_scope: expected one of "model_folder", "repository", "any"',
      ]),
    );
  });

  test('the connection caps are checked against the open-file limit', () => {
    expect(connectionCapWarning([4096, 4096], 20000)).toBeUndefined();
    expect(connectionCapWarning([4096, 4096, 4096], 1024)).toMatch(/add up to 12288.*of the 1024 open files/);
    expect(connectionCapWarning([null, 4096], 20000)).toMatch(/no connection cap/);
  });
});
