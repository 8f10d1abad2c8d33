import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Express } from 'express';
import type { OpenApiDocument } from '../../server/rest/openapi/document.js';
import type { InferenceServer } from '../../server/server.js';

/** Validates a document with @seriousme/openapi-schema-validator (the OpenAPI 3.1 JSON schema). */
export async function validateOpenApi(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
  return { valid: result.valid, errors: result.errors };
}

/** The express app a running server answers HTTP with (behind the dataplane fast path). */
export function expressAppOf(server: InferenceServer): Express {
  return (server as unknown as { restApp: Express }).restApp;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every route express registered (`METHOD /express/path`), walking nested routers. */
export function registeredRoutes(app: Express): Set<string> {
  const routes = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods)) {
          for (const path of paths) routes.add(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}

/** The documented operation a request path reaches: its template, literal segments preferred. */
export function matchTemplate(doc: OpenApiDocument, method: string, path: string): string | undefined {
  const candidates = Object.keys(doc.paths).filter((template) => {
    if (!doc.paths[template]![method]) return false;
    const pattern = template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(path);
  });
  const params = (t: string) => (t.match(/\{/g) ?? []).length;
  return candidates.sort((a, b) => params(a) - params(b))[0];
}

/** Compiles the document's schemas once and validates bodies against what it documents. */
export class DocumentChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv.addSchema(doc as object, 'doc');
  }

  /** Validates a value against the schema at a JSON pointer inside the document. */
  validateAt(pointer: string, value: unknown): string[] {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `doc#${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }

  /**
   * Checks an answer against the document: the status is documented for the operation, and a
   * JSON body fits the documented schema. Returns the problems.
   */
  checkAnswer(template: string, method: string, status: number, contentType: string, body: string): string[] {
    const op = this.doc.paths[template]![method] as { responses: Record<string, Record<string, unknown>> };
    let response = op.responses[String(status)];
    if (!response) return [`${method.toUpperCase()} ${template}: status ${status} is not documented`];
    let pointer = `/paths/${pointerSegment(template)}/${method}/responses/${status}`;
    const $ref = response.$ref as string | undefined;
    if ($ref) {
      pointer = $ref.slice(1);
      response = this.doc.components.responses[$ref.split('/').pop()!]!;
    }
    const type = contentType.split(';')[0]!.trim();
    const content = response.content as Record<string, unknown> | undefined;
    if (!content?.[type]) return [`${template} ${status}: content type ${type} is not documented`];
    if (type !== 'application/json') return [];
    return this.validateAt(`${pointer}/content/${pointerSegment(type)}/schema`, JSON.parse(body)).map(
      (problem) => `${method.toUpperCase()} ${template} ${status}: ${problem}`,
    );
  }
}

function pointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
