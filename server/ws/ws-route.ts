import type { ModelRef } from '../dataplane.js';
import { matchDataplaneTarget } from '../wire/dataplane-routes.js';

/** A WebSocket upgrade's target: the model, and the session id the client chose (if any). */
export interface WsTarget {
  ref: ModelRef;
  sessionId: string | undefined;
}

/**
 * Matches `GET /v2/models/{m}[/versions/{v}]/infer_stream` (or `generate_stream`), also under
 * `root_path`, against the dataplane route table REST serves; the query's `session_id` names the
 * session so another connection can find it. Undefined for any other path.
 */
export function matchWsRoute(url: string | undefined, rootPath: string): WsTarget | undefined {
  const match = matchDataplaneTarget(url ?? '/', rootPath);
  if (!match?.route.streaming) return undefined;
  const sessionId = match.query ? new URLSearchParams(match.query).get('session_id') || undefined : undefined;
  return { ref: match.ref, sessionId };
}
