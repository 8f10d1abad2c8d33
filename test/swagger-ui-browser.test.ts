import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { OpenApiDocument } from '../server/rest/openapi/document.js';
import { artifactPath, launchChromium } from './helpers/chromium.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { FIXTURE_MODELS, getJson, tempFolder } from './helpers/test-server.js';

/** A page of another origin, the one `cors_settings` allows (its twin on `localhost` is not allowed). */
async function startPageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>another origin</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** `METHOD /path` of every operation Swagger UI rendered. */
async function renderedOperations(page: Page): Promise<string[]> {
  await page.waitForSelector('.opblock .opblock-summary-path', { timeout: 60_000 });
  return page.$$eval('.opblock', (blocks) =>
    blocks.map((block) => {
      const method = block.querySelector('.opblock-summary-method')?.textContent ?? '';
      const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
      return `${method} ${path}`;
    }),
  );
}

function documentedOperations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

const prompt = {
  inputs: [
    { name: 'prompt', shape: [1], datatype: 'BYTES', data: ['a b c'], parameters: { content_type: 'str' } },
  ],
};

describe('Swagger UI and CORS in headless Chromium, against the real CLI process', () => {
  let browser: Browser;
  let cli: CliServer;
  let folder: { dir: string; remove: () => Promise<void> };
  let pages: { server: Server; port: number };
  let allowed: string;

  beforeAll(async () => {
    pages = await startPageServer();
    allowed = `http://127.0.0.1:${pages.port}`;
    folder = await tempFolder();
    await writeFile(
      `${folder.dir}/settings.json`,
      JSON.stringify({
        model_repository_root: FIXTURE_MODELS,
        root_path: '/prefix',
        cors_settings: {
          allow_origins: [allowed],
          allow_methods: ['GET', 'POST'],
          allow_credentials: true,
          expose_headers: ['x-model-header'],
        },
      }),
    );
    cli = await startCliServer(folder.dir, { models: ['raw-single', 'echo-headers', 'text-stream'] });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    expect(await cli?.stop()).toBe(0);
    pages?.server.close();
    await folder?.remove();
  });

  test('/v2/docs renders every operation of the document', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 2400 } });
    await page.goto(`${cli.http}/v2/docs`);
    const rendered = await renderedOperations(page);
    const doc = (await getJson(`${cli.http}/v2/docs/dataplane.json`)).body as OpenApiDocument;
    expect(rendered.sort()).toEqual(documentedOperations(doc).sort());
    expect(rendered).toContain('POST /v2/models/{model_name}/infer');
    expect(rendered).toContain('GET /v2/models/{model_name}/infer_stream');
    const shot = await artifactPath('swagger-ui.png');
    await page.screenshot({ path: shot });
    console.log(`Swagger UI screenshot: ${shot}`);
    await page.close();
  }, 120_000);

  test("a model's page under root_path: its routes, its example request, and Try it out works", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${cli.http}/prefix/v2/models/raw-single/docs`);
    const rendered = await renderedOperations(page);
    expect(rendered).toContain('POST /v2/models/raw-single/infer');
    expect(rendered.some((op) => op.includes('{model_name}'))).toBe(false);
    await expect(page.title()).resolves.toBe('mlserver-ts API docs - raw-single');

    const infer = page.locator('#operations-inference-model_infer');
    await infer.locator('.opblock-summary').click();
    await infer.locator('.try-out__btn').click();
    const body = JSON.parse(await infer.locator('textarea.body-param__text').inputValue()) as unknown;
    expect(body).toEqual({ inputs: [{ name: 'audio', shape: [1, 1], datatype: 'FP32', data: [0] }] });
    await infer.locator('.execute').click();
    const status = infer.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 60_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    await expect(infer.locator('.request-url').textContent()).resolves.toContain(
      `${cli.http}/prefix/v2/models/raw-single/infer`,
    );
    const shot = await artifactPath('swagger-ui-model.png');
    await page.screenshot({ path: shot });
    console.log(`model Swagger UI screenshot: ${shot}`);
    await page.close();
  }, 120_000);

  test('CORS: an allowed page reads the answer, the exposed header and an SSE stream; another origin cannot', async () => {
    const page = await browser.newPage();
    await page.goto(`${allowed}/`);
    const result = await page.evaluate(
      async ({ server, prompt }) => {
        // A JSON POST is preflighted; credentials: 'include' needs the origin named, not `*`.
        const res = await fetch(`${server}/v2/models/echo-headers/infer`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: [7] }] }),
        });
        const json = (await res.json()) as { outputs: { data: number[] }[] };
        const stream = await fetch(`${server}/prefix/v2/models/text-stream/infer_stream`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(prompt),
        });
        const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += value;
        }
        return {
          status: res.status,
          data: json.outputs[0]!.data,
          exposed: res.headers.get('x-model-header'),
          streamType: stream.headers.get('content-type'),
          events: text.match(/^data: /gm)?.length ?? 0,
        };
      },
      { server: cli.http, prompt },
    );
    expect(result).toEqual({
      status: 200,
      data: [7],
      exposed: 'from-the-model',
      streamType: 'text/event-stream',
      events: 3,
    });

    await page.goto(`http://localhost:${pages.port}/`);
    const refused = await page.evaluate(async (server) => {
      try {
        await fetch(`${server}/v2/health/live`);
        return 'read';
      } catch (err) {
        return (err as Error).name;
      }
    }, cli.http);
    expect(refused).toBe('TypeError');
    await page.close();
  }, 120_000);
});
