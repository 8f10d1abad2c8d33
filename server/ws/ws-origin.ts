import type { IncomingMessage } from 'node:http';
import type { CorsSettings } from '../settings/server-settings.js';
import { originRule } from '../wire/cors-origins.js';

/**
 * Whether a WebSocket upgrade may come from the page that opened it. Browsers apply no CORS to
 * WebSockets, so the server checks `Origin` itself: with `cors_settings`, the origin must be one
 * their rule allows (the rule REST's CORS answers use); without them, only the server's own
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
  return originRule(cors)(origin);
}
