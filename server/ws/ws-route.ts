import type { ModelRef } from '../dataplane.js';

/** A WebSocket upgrade's target: the model, and the session id the client chose (if any). */
export interface WsTarget {
  ref: ModelRef;
  sessionId: string | undefined;
}

const ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/(?:infer_stream|generate_stream)$/;

/**
 * Matches `GET /v2/models/{m}[/versions/{v}]/infer_stream` (or `generate_stream`), also under
 * `root_path`; the query's `session_id` names the session so another connection can find it.
 * Undefined for any other path.
 */
export function matchWsRoute(url: string | undefined, rootPath: string): WsTarget | undefined {
  const parsed = new URL(url ?? '/', 'http://localhost');
  let pathname = parsed.pathname;
  if (rootPath && rootPath !== '/' && pathname.startsWith(`${rootPath}/`))
    pathname = pathname.slice(rootPath.length);
  const match = ROUTE.exec(pathname);
  if (!match) return undefined;
  const name = decodeURIComponent(match[1]!);
  const version = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  const sessionId = parsed.searchParams.get('session_id') || undefined;
  return { ref: { name, version }, sessionId };
}
