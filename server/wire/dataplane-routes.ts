import type { ModelRef } from '../model-ref.js';

/** The four dataplane operations of a model: unary (`infer`, `generate`) and streamed. */
export type DataplaneAction = 'infer' | 'generate' | 'infer_stream' | 'generate_stream';

/** One dataplane route: its action and the two path templates it is served on. */
export interface DataplaneRoute {
  action: DataplaneAction;
  /** A stream: Server-Sent Events over POST, a WebSocket session over a GET upgrade. */
  streaming: boolean;
  /** `/v2/models/:name/<action>` and `/v2/models/:name/versions/:version/<action>` (express syntax). */
  templates: readonly [unversioned: string, versioned: string];
}

/** A path that names a dataplane route: the route, the model it addresses and the template it matched. */
export interface DataplaneMatch {
  route: DataplaneRoute;
  ref: ModelRef;
  template: string;
  /** What followed `?` in the request target (empty when nothing did). */
  query: string;
}

function route(action: DataplaneAction, streaming: boolean): DataplaneRoute {
  return {
    action,
    streaming,
    templates: [`/v2/models/:name/${action}`, `/v2/models/:name/versions/:version/${action}`],
  };
}

/**
 * The one table of dataplane routes: REST and SSE register it with express and serve it on the
 * fast path, the WebSocket listener matches its upgrades against it (8 path shapes in all).
 */
export const DATAPLANE_ROUTES: readonly DataplaneRoute[] = [
  route('infer', false),
  route('generate', false),
  route('infer_stream', true),
  route('generate_stream', true),
];

const [INFER, GENERATE, INFER_STREAM, GENERATE_STREAM] = DATAPLANE_ROUTES as [
  DataplaneRoute,
  DataplaneRoute,
  DataplaneRoute,
  DataplaneRoute,
];
const PREFIX = '/v2/models/';

function byAction(action: string): DataplaneRoute | undefined {
  switch (action) {
    case 'infer':
      return INFER;
    case 'generate':
      return GENERATE;
    case 'infer_stream':
      return INFER_STREAM;
    case 'generate_stream':
      return GENERATE_STREAM;
    default:
      return undefined;
  }
}

/**
 * Matches a path (no query string, below any `root_path`) against the table (`query` left empty):
 * `/v2/models/{m}/{action}` or `/v2/models/{m}/versions/{v}/{action}`, exactly as written there
 * (lower case, no trailing slash), segments percent-decoded. Anything else, including a segment
 * that does not decode, is undefined: the caller leaves it to the general router, which answers
 * those variants the way it answers every route.
 */
export function matchDataplanePath(path: string): DataplaneMatch | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const nameEnd = path.indexOf('/', PREFIX.length);
  if (nameEnd <= PREFIX.length) return undefined;
  const next = path.indexOf('/', nameEnd + 1);
  if (next === -1) {
    const found = byAction(path.slice(nameEnd + 1));
    const name = found && decodeSegment(path.slice(PREFIX.length, nameEnd));
    if (!found || name === undefined) return undefined;
    return { route: found, ref: { name, version: undefined }, template: found.templates[0], query: '' };
  }
  if (next - nameEnd !== 9 || !path.startsWith('/versions/', nameEnd)) return undefined;
  const versionEnd = path.indexOf('/', next + 1);
  if (versionEnd <= next + 1) return undefined;
  const found = byAction(path.slice(versionEnd + 1));
  if (!found) return undefined;
  const name = decodeSegment(path.slice(PREFIX.length, nameEnd));
  const version = decodeSegment(path.slice(next + 1, versionEnd));
  if (name === undefined || version === undefined) return undefined;
  return { route: found, ref: { name, version }, template: found.templates[1], query: '' };
}

/**
 * Matches a request target (`req.url`): its path as it is, else below `root_path` (the REST app
 * serves both); `query` is what followed `?` (empty when nothing did).
 */
export function matchDataplaneTarget(url: string, rootPath: string): DataplaneMatch | undefined {
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  let match = matchDataplanePath(path);
  if (!match && rootPath && rootPath !== '/' && path.startsWith(rootPath) && path[rootPath.length] === '/')
    match = matchDataplanePath(path.slice(rootPath.length));
  if (match && at !== -1) match.query = url.slice(at + 1);
  return match;
}

function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
