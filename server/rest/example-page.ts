import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Request, RequestHandler, Response, Router } from 'express';
import { NotFoundError } from '../errors.js';
import { expressPaths, OPERATIONS } from './openapi/operations.js';
import { relativeUrl } from './swagger-ui.js';

/** The URL path of the speech page (the folder: its files are relative to it). */
export const SPEECH_PAGE_PATH = '/examples/asr/';

/** The files of the speech page besides `index.html`, with their content types: nothing else is served. */
export const SPEECH_PAGE_FILES: Readonly<Record<string, string>> = {
  'page.js': 'text/javascript',
  'audio.js': 'text/javascript',
  'capture-worklet.js': 'text/javascript',
  'style.css': 'text/css',
};

/**
 * The page's folder, `examples/speech-page/` of the package (found from this module's location,
 * which is `server/rest/` in the sources and `dist/server/rest/` when built); undefined when the
 * package was installed without it.
 */
function pageFolder(): string | undefined {
  for (let dir = import.meta.dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const folder = path.join(dir, 'examples', 'speech-page');
      return existsSync(path.join(folder, 'index.html')) ? folder : undefined;
    }
  }
  return undefined;
}

/**
 * The speech example page (`/examples/asr/`: a WAV file or the microphone streamed over
 * WebSocket to the VAD-gated recogniser, transcripts and speech segments drawn live), served
 * read-only from a fixed list of files, apart from the inference routes. With `enabled` off
 * (setting `static_examples`), or when the package holds no page, every route answers 404.
 */
export function addExamplePageRoutes(router: Router, enabled: boolean): void {
  const folder = enabled ? pageFolder() : undefined;
  const unavailable = () =>
    new NotFoundError(
      enabled
        ? 'the example page is not installed (examples/speech-page)'
        : 'example pages are off (setting static_examples)',
    );
  const handlers: Record<string, RequestHandler> = {
    example_page: async (req: Request, res: Response) => {
      if (!folder) throw unavailable();
      const html = await readFile(path.join(folder, 'index.html'), 'utf8');
      // A <base> to the page's folder, computed from the path it was asked for: its files and the
      // API resolve from there with or without the trailing slash, under root_path or a proxy prefix.
      const base = `<base href="${relativeUrl(req.path, SPEECH_PAGE_PATH)}">`;
      res.setHeader('cache-control', 'no-cache');
      res.type('html').send(html.replace('<head>', `<head>\n    ${base}`));
    },
    example_asset: (req: Request, res: Response, next) => {
      const name = String(req.params.asset);
      const type = Object.hasOwn(SPEECH_PAGE_FILES, name) ? SPEECH_PAGE_FILES[name] : undefined;
      if (!folder || !type) {
        next(folder ? new NotFoundError(`the example page has no file '${name}'`) : unavailable());
        return;
      }
      res.type(type);
      res.sendFile(path.join(folder, name), { headers: { 'cache-control': 'no-cache' } }, (err) => {
        if (err) next(err);
      });
    },
  };
  for (const op of OPERATIONS) {
    if (op.tag !== 'examples') continue;
    const handler = handlers[op.operationId];
    if (!handler) throw new Error(`no handler for the example operation ${op.operationId}`);
    router[op.method](expressPaths(op), handler);
  }
}
