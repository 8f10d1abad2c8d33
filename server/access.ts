import { createHash, timingSafeEqual } from 'node:crypto';
import { PermissionDeniedError, UnauthenticatedError } from './errors.js';
import type { AccessSettings } from './settings/security-settings.js';

/**
 * What a call does, for access control. Each transport maps its routes or methods to one:
 *
 * - `health`: liveness and readiness (server and model), always open so probes need no secret;
 * - `inference`: inference, metadata, statistics, model configuration, reflection;
 * - `repository`: the repository index (it lists every model and why one failed);
 * - `model_control`: repository load and unload, which change what is served.
 */
export type AccessScope = 'health' | 'inference' | 'repository' | 'model_control';

/** Request headers or gRPC metadata as a record (lower-case names). */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Access control, written once for every transport: REST (express middleware), gRPC (a server
 * interceptor) and WebSocket call `check` with the call's headers and its scope.
 *
 * A token arrives as `Authorization: Bearer <token>` (RFC 6750: what KServe's auth proxies,
 * tritonclient's and the KServe SDK's `headers`, grpcurl `-H` and gRPC call credentials send) or
 * in the `auth_api_key_header` header (`x-api-key` by default; Triton's restricted APIs take a
 * configured header the same way). Tokens are compared by SHA-256 digest in constant time.
 */
export class AccessControl {
  private readonly inference: readonly Buffer[] | undefined;
  private readonly admin: readonly Buffer[] | undefined;
  private readonly apiKeyHeader: string | undefined;
  private readonly loadUnload: boolean;

  constructor(settings: AccessSettings) {
    const inference = digests(settings.auth_inference_tokens);
    const admin = digests(settings.auth_admin_tokens);
    // Admin tokens open inference too; without admin tokens the repository API takes the
    // inference tokens, so setting one token protects everything.
    this.inference = inference && [...inference, ...(admin ?? [])];
    this.admin = admin ?? inference;
    this.apiKeyHeader = settings.auth_api_key_header?.toLowerCase() ?? undefined;
    this.loadUnload = settings.repository_load_unload;
  }

  /** Whether any scope needs a token. */
  get enabled(): boolean {
    return this.inference !== undefined || this.admin !== undefined;
  }

  /**
   * Allows the call or throws: `UnauthenticatedError` (401 / UNAUTHENTICATED) when the scope
   * needs a token and none, or an unknown one, was sent; `PermissionDeniedError` (403 /
   * PERMISSION_DENIED) when the token is valid but not for this scope, or the operation is off.
   */
  check(headers: HeaderRecord, scope: AccessScope): void {
    if (scope === 'health') return;
    if (scope === 'model_control' && !this.loadUnload) {
      throw new PermissionDeniedError(
        'model load and unload are disabled on this server (setting repository_load_unload)',
      );
    }
    const accepted = scope === 'inference' ? this.inference : this.admin;
    if (!accepted) return;
    const presented = this.presentedToken(headers);
    if (presented === undefined) {
      throw new UnauthenticatedError(
        `this call needs a token: send 'Authorization: Bearer <token>'${this.apiKeyHeader ? ` or '${this.apiKeyHeader}: <token>'` : ''}`,
      );
    }
    const digest = sha256(presented);
    if (accepted.some((known) => timingSafeEqual(known, digest))) return;
    if (scope !== 'inference' && this.inference?.some((known) => timingSafeEqual(known, digest))) {
      throw new PermissionDeniedError('this token does not open the repository API');
    }
    throw new UnauthenticatedError('the token is not valid');
  }

  private presentedToken(headers: HeaderRecord): string | undefined {
    const authorization = first(headers.authorization);
    if (authorization) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      if (match) return match[1];
    }
    if (this.apiKeyHeader) {
      const key = first(headers[this.apiKeyHeader])?.trim();
      if (key) return key;
    }
    return undefined;
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function digests(tokens: string | readonly string[] | null): Buffer[] | undefined {
  if (tokens === null) return undefined;
  return (typeof tokens === 'string' ? [tokens] : tokens).map(sha256);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
