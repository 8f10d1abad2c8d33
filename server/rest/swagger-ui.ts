import { createRequire } from 'node:module';
import path from 'node:path';

/** The folder of the installed `swagger-ui-dist` package (its files are served, never a CDN). */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * Starts Swagger UI on the page's `#swagger-ui` element with the document URL the element names
 * (a separate file rather than an inline script, so a strict Content-Security-Policy allows it).
 */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.url, window.location.href).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

/** A file Swagger UI's page loads: from swagger-ui-dist, or the server's own initialiser. */
export interface SwaggerUiFile {
  type: string;
  /** Absolute path of a swagger-ui-dist file. */
  file?: string;
  /** Content of a file the server makes. */
  text?: string;
}

/** Every file under `/v2/docs/swagger-ui/`, by name. */
export const SWAGGER_UI_FILES: Readonly<Record<string, SwaggerUiFile>> = {
  'swagger-ui.css': { type: 'text/css', file: path.join(SWAGGER_UI_DIR, 'swagger-ui.css') },
  'swagger-ui-bundle.js': {
    type: 'text/javascript',
    file: path.join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'),
  },
  'favicon-32x32.png': { type: 'image/png', file: path.join(SWAGGER_UI_DIR, 'favicon-32x32.png') },
  'favicon-16x16.png': { type: 'image/png', file: path.join(SWAGGER_UI_DIR, 'favicon-16x16.png') },
  'init.js': { type: 'text/javascript', text: INIT_SCRIPT },
};

/**
 * A relative URL from the page at `fromPath` (a path inside the app, without root_path) to the
 * app path `toPath`: pages and documents then work under root_path and behind proxies that strip
 * a prefix, wherever the app is mounted.
 */
export function relativeUrl(fromPath: string, toPath: string): string {
  const depth = fromPath.split('/').length - 2;
  const up = depth > 0 ? '../'.repeat(depth) : './';
  return `${up}${toPath.replace(/^\//, '')}`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** The Swagger UI page at `pagePath` showing the document at `documentPath` (app paths). */
export function swaggerUiPage(title: string, pagePath: string, documentPath: string): string {
  const asset = (file: string) => escapeHtml(relativeUrl(pagePath, `/v2/docs/swagger-ui/${file}`));
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" type="text/css" href="${asset('swagger-ui.css')}">
    <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
    <link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui" data-url="${escapeHtml(relativeUrl(pagePath, documentPath))}"></div>
    <script src="${asset('swagger-ui-bundle.js')}" charset="UTF-8"></script>
    <script src="${asset('init.js')}" charset="UTF-8"></script>
  </body>
</html>
`;
}
