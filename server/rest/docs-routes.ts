import type { Request, RequestHandler, Response, Router } from 'express';
import type { DataPlane, ModelRef } from '../dataplane.js';
import { NotFoundError } from '../errors.js';
import { buildDocument, type DocumentInfo, type OpenApiDocument } from './openapi/document.js';
import { buildModelDocument } from './openapi/model-document.js';
import { expressPaths, OPERATIONS } from './openapi/operations.js';
import { relativeUrl, SWAGGER_UI_FILES, swaggerUiPage } from './swagger-ui.js';

/** What the docs routes need. */
export interface DocsRouteOptions {
  dataplane: DataPlane;
  /** `server_name` and `server_version`, shown in the document. */
  name: string;
  version: string;
}

function modelRef(req: Request): ModelRef {
  const { name, version } = req.params as { name: string; version?: string };
  return { name, version };
}

/** The URL of the app's root as seen from the page or document being answered. */
function serverUrl(req: Request): string {
  return relativeUrl(req.path, '/');
}

/**
 * The OpenAPI document (`/v2/docs/dataplane.json`), Swagger UI (`/v2/docs`, from swagger-ui-dist)
 * and MLServer's per-model documents (`/v2/models/{m}[/versions/{v}]/docs[/dataplane.json]`),
 * registered from the route table the document is built from. Unknown models are 404s.
 */
export function addDocsRoutes(router: Router, options: DocsRouteOptions): void {
  const { dataplane } = options;
  const documents = new Map<string, OpenApiDocument>();
  const document = (url: string): OpenApiDocument => {
    let doc = documents.get(url);
    if (!doc) {
      const info: DocumentInfo = { name: options.name, version: options.version, serverUrl: url };
      doc = buildDocument(info);
      documents.set(url, doc);
    }
    return doc;
  };

  const handlers: Record<string, RequestHandler> = {
    docs: (req, res) => {
      res.type('html').send(swaggerUiPage(`${options.name} API docs`, req.path, '/v2/docs/dataplane.json'));
    },
    openapi: (req, res) => {
      res.json(document(serverUrl(req)));
    },
    docs_asset: async (req, res) => {
      const name = String(req.params.file);
      const file = Object.hasOwn(SWAGGER_UI_FILES, name) ? SWAGGER_UI_FILES[name] : undefined;
      if (!file) throw new NotFoundError(`no Swagger UI file '${name}'`);
      res.type(file.type);
      if (file.text !== undefined) {
        res.send(file.text);
        return;
      }
      await sendFile(res, file.file!);
    },
    model_docs: async (req, res) => {
      const ref = modelRef(req);
      await dataplane.modelMetadata(ref);
      const title = `${options.name} API docs - ${ref.name}${ref.version ? ` (${ref.version})` : ''}`;
      const documentPath = `${req.path.replace(/\/$/, '')}/dataplane.json`;
      res.type('html').send(swaggerUiPage(title, req.path, documentPath));
    },
    model_openapi: async (req, res) => {
      const ref = modelRef(req);
      const metadata = await dataplane.modelMetadata(ref);
      const url = serverUrl(req);
      res.json(buildModelDocument(document(url), metadata, ref.name, ref.version, url));
    },
  };

  for (const op of OPERATIONS) {
    if (op.tag !== 'docs') continue;
    const handler = handlers[op.operationId];
    if (!handler) throw new Error(`no handler for the docs operation ${op.operationId}`);
    router[op.method](expressPaths(op), handler);
  }
}

function sendFile(res: Response, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The package's files change only with its version: browsers may keep them a day.
    res.sendFile(file, { maxAge: 86_400_000 }, (err) => (err ? reject(err) : resolve()));
  });
}
