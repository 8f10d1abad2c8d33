import type { CorsSettings } from '../settings/server-settings.js';

const rules = new WeakMap<CorsSettings, (origin: string) => boolean>();
const NONE = () => false;

/**
 * The one rule of which web origins `cors_settings` lets call the server (REST's CORS answers,
 * model load and unload, WebSocket upgrades): listed in `allow_origins` (or `*` there), or
 * matching `allow_origin_regex` as a whole (Starlette's `fullmatch`). No CORS settings: none.
 * Compiled once per settings object.
 */
export function originRule(cors: CorsSettings | null): (origin: string) => boolean {
  if (!cors) return NONE;
  let rule = rules.get(cors);
  if (!rule) {
    const listed = new Set(cors.allow_origins);
    const any = listed.has('*');
    const pattern =
      cors.allow_origin_regex === null ? undefined : new RegExp(`^(?:${cors.allow_origin_regex})$`);
    rule = (origin) => any || listed.has(origin) || (pattern?.test(origin) ?? false);
    rules.set(cors, rule);
  }
  return rule;
}
