import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../helpers/chromium.js';
import { postJson } from '../helpers/test-server.js';
import {
  concat,
  GO_FORWARD,
  jsonOutputs,
  LIBRIVOX,
  quiet,
  readPcm,
  startSpeechServer,
  transcripts,
  wavBytes,
} from './speech-helpers.js';

// The live speech page (examples/speech-page), served by the real CLI process at /examples/asr/,
// driven in headless Chromium: a WAV file chosen in the page is streamed in real time over two
// WebSockets (vad-asr for transcripts, vad for speech segments) and the final transcript appears.

let server: Awaited<ReturnType<typeof startSpeechServer>>;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-page-'));
  server = await startSpeechServer();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** What the vad-asr model says of a whole file (`predict`, REST): the page must show the same. */
async function expectedFinals(wav: Buffer): Promise<string[]> {
  const reply = await postJson(`${server.http}/v2/models/vad-asr/infer`, {
    inputs: [{ name: 'audio', datatype: 'BYTES', shape: [1], data: [wav.toString('base64')] }],
  });
  expect(reply.status).toBe(200);
  return transcripts(jsonOutputs(reply.body as never)).map((t) => t.text);
}

async function streamInPage(page: Page, file: string, url = `${server.http}/examples/asr/`): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles('#file', file);
  await page.waitForSelector('body[data-state="ready"]');
  await page.click('#stream-file');
  // Busy while streaming; straight to error when a stream cannot be opened.
  await page.waitForSelector('body[data-state="busy"], body[data-state="error"]');
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 120_000 });
}

test('a WAV file streamed from the page in real time: partials while it plays, then the final transcripts and the speech segments', async () => {
  const { pcm } = concat([
    quiet(0.5),
    await readPcm(LIBRIVOX),
    quiet(1.5),
    await readPcm(GO_FORWARD),
    quiet(1),
  ]);
  const wav = wavBytes(pcm);
  const file = path.join(dir, 'two-sentences.wav');
  await writeFile(file, wav);
  const expected = await expectedFinals(wav);
  expect(expected.length).toBeGreaterThan(0);
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const partials: string[] = [];
  await page.exposeFunction('recordPartial', (text: string) => partials.push(text));
  // Every text the partial line shows, as the page shows it (a string: the test's types know no DOM).
  await page.addInitScript({
    content: `new MutationObserver(() => {
      const text = document.getElementById('partial')?.textContent;
      if (text) window.recordPartial(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });`,
  });
  try {
    await streamInPage(page, file);
    expect(await page.textContent('#status')).toMatch(/^done: /);
    const finals = await page.$$eval('#finals li', (items) =>
      items.map((item) => item.lastChild?.textContent ?? ''),
    );
    expect(finals).toEqual(expected);
    expect(partials.length).toBeGreaterThan(0); // partial transcripts were shown while streaming
    expect(finals.length).toBe(2);
    const segments = await page.$$eval('#segments li', (items) => items.map((i) => i.textContent));
    expect(segments).toHaveLength(2); // vad-asr's utterances are the vad model's segments
    for (const segment of segments) expect(segment).toMatch(/^speech \d+\.\d\d–\d+\.\d\d s$/);
    await page.screenshot({ path: await artifactPath('speech-page-file.png'), fullPage: true });
  } finally {
    await page.close();
  }
}, 180_000);

test('"go forward ten meters" from a raw recording made into a WAV file', async () => {
  const wav = wavBytes(await readPcm(GO_FORWARD));
  const file = path.join(dir, 'goforward.wav');
  await writeFile(file, wav);
  const expected = await expectedFinals(wav);
  const page = await browser.newPage();
  try {
    await streamInPage(page, file);
    const finals = await page.$$eval('#finals li', (items) =>
      items.map((item) => item.lastChild?.textContent ?? ''),
    );
    expect(finals).toEqual(expected);
    expect(finals.join(' ')).toBe('go forward ten meters');
  } finally {
    await page.close();
  }
}, 180_000);

test('with access tokens set: the page loads without one, streams with ?access_token=, and says what to do without it', async () => {
  const token = 'speech-page-token';
  const secured = await startSpeechServer({}, { env: { MLSERVER_AUTH_INFERENCE_TOKENS: token } });
  const file = path.join(dir, 'goforward-secured.wav');
  await writeFile(file, wavBytes(await readPcm(GO_FORWARD)));
  const page = await browser.newPage();
  try {
    // The inference API itself needs the token.
    expect((await fetch(`${secured.http}/v2/models/vad-asr`)).status).toBe(401);
    await streamInPage(page, file, `${secured.http}/examples/asr/`);
    expect(await page.getAttribute('body', 'data-state')).toBe('error');
    expect(await page.textContent('#status')).toMatch(
      /could not open the vad-asr stream \(if the server needs a token, open this page with \?access_token=<token>\)/,
    );
    await streamInPage(page, file, `${secured.http}/examples/asr/?access_token=${token}`);
    expect(await page.textContent('#status')).toMatch(/^done: /);
    const finals = await page.$$eval('#finals li', (items) =>
      items.map((item) => item.lastChild?.textContent ?? ''),
    );
    expect(finals).toEqual(['go forward ten meters']);
  } finally {
    await page.close();
    await secured.stop();
  }
}, 240_000);

test('the microphone (Chromium\'s fake capture device playing "go forward ten meters"): an AudioWorklet at 16 kHz, live transcript', async () => {
  const { pcm } = concat([quiet(1), await readPcm(GO_FORWARD), quiet(2)]);
  const file = path.join(dir, 'microphone.wav');
  await writeFile(file, wavBytes(pcm));
  const micBrowser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${file}%noloop`,
  ]);
  try {
    const page = await micBrowser.newPage();
    await page.goto(`${server.http}/examples/asr/`);
    await page.waitForSelector('body[data-state="idle"]');
    await page.click('#microphone');
    await page.waitForSelector('body[data-state="busy"]');
    expect(await page.textContent('#status')).toMatch(/^listening \(16000 Hz\)/);
    // The VAD ends the utterance in the silence after it: its final transcript appears while listening.
    await page.waitForSelector('#finals li', { timeout: 120_000 });
    await page.click('#stop');
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000 });
    expect(await page.textContent('#status')).toMatch(/^done: /);
    const finals = await page.$$eval('#finals li', (items) =>
      items.map((item) => item.lastChild?.textContent ?? ''),
    );
    // Audio through the browser's capture and resampling: the words, not necessarily every sample, survive.
    expect(finals.join(' ')).toMatch(/forward/);
    await page.screenshot({ path: await artifactPath('speech-page-microphone.png'), fullPage: true });
  } finally {
    await micBrowser.close();
  }
}, 180_000);
