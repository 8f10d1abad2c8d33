import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`.ci/apt-packages`); playwright-core drives it, it downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * The flags this machine needs: without the background-networking ones Chromium's own
 * connections to the outside are refused by the closed network and slow every page.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts headless Chromium, with `extra` flags after the ones this machine needs. */
export function launchChromium(extra: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...extra] });
}

/** Where tests leave screenshots (gitignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

/** The path of a new artifact file, its folder made. */
export async function artifactPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
