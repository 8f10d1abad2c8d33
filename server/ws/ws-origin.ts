import type { IncomingMessage } from 'node:http';
import type { CorsSettings } from '../settings/server-settings.js';

/**
 * Whether a WebSocket upgrade may come from the page that opened it. Browsers apply no CORS to
 * WebSockets, so the server checks `Origin` itself: with `cors_settings`, the origin must be one
 * it allows (a listed origin, `*`, or `allow_origin_regex`); without them, only the server's own
 * origin (the `Host` the request was sent to) is allowed. Clients that send no `Origin` (anything
 * but a browser) are not concerned.
 */
export function upgradeOriginAllowed(req: IncomingMessage, cors: CorsSettings | null): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (!cors) {
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
  if (cors.allow_origins.includes('*') || cors.allow_origins.includes(origin)) return true;
  return cors.allow_origin_regex !== null && new RegExp(`^(?:${cors.allow_origin_regex})$`).test(origin);
}
