/**
 * The demo in a real browser: headless Chromium (Debian's, driven by playwright-core) opens the gallery of
 * the demo stack (`startStack`, as `npm start` runs it: nginx, S3 and DynamoDB emulators, the proxy, the
 * real handler) and proves what a visitor gets: no broken image, the AVIF variant for the URL without a
 * format, every preview of a second visit served by nginx from S3 (nginx's access log), and JPEG for
 * `Accept: image/jpeg`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '@preview-lambda/local/stack';
import { SAMPLE_OBJECTS } from '@preview-lambda/local/seed';
import { launchChromium, noteChromiumSkip, SKIP_WITHOUT_CHROMIUM } from './chromium.js';
import { accessEntry, NGINX_PATH, noteSkip, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('gallery in a browser');
noteChromiumSkip('gallery in a browser');

const NEGOTIATED = '/prew/small/samples/landscape.jpg';

/** The little of the DOM the functions run in the page use (the tests compile without the DOM library). */
interface PageImage {
  readonly currentSrc: string;
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  getAttribute(name: string): string | null;
}
declare const document: { readonly images: Iterable<PageImage> };

let stack: Stack;
let browser: Browser;
let prefixDir: string;

/** A preview answer as Chromium received it. */
interface Received {
  readonly path: string;
  readonly kind: string;
  readonly status: number;
  readonly type: string | undefined;
  readonly vary: string | undefined;
  readonly requestId: string | undefined;
}

/** Opens the gallery in a fresh context (an empty cache) and waits for every image; returns the page and what came. */
async function visit(): Promise<{ page: Page; received: Received[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const received: Received[] = [];
  page.on('response', (response: Response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/prew/')) return;
    const headers = response.headers();
    received.push({
      path: decodeURIComponent(url.pathname),
      kind: response.request().resourceType(),
      status: response.status(),
      type: headers['content-type'],
      vary: headers.vary,
      requestId: headers['x-request-id'],
    });
  });
  await page.goto(stack.galleryUrl!, { waitUntil: 'load', timeout: 60_000 });
  // Every image has a source (the source-format column is set by the page's script) and is complete.
  await page.waitForFunction(
    () => [...document.images].every((img) => img.currentSrc !== '' && img.complete),
    undefined,
    { timeout: 90_000 },
  );
  return { page, received };
}

describe.skipIf(SKIP_WITHOUT_NGINX || SKIP_WITHOUT_CHROMIUM)('the demo gallery in headless Chromium', () => {
  let first: { page: Page; received: Received[] };

  beforeAll(async () => {
    prefixDir = await mkdtemp(join(tmpdir(), 'preview-browser-'));
    stack = await startStack({
      nginx: 'required',
      nginxPrefixDir: prefixDir,
      ...(NGINX_PATH === undefined ? {} : { nginxPath: NGINX_PATH }),
      handlerEnv: { LOG_LEVEL: 'SILENT' },
    });
    browser = await launchChromium();
    first = await visit();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (prefixDir !== undefined) await rm(prefixDir, { recursive: true, force: true });
  });

  it('loads the gallery with every sample in every preset and format, and no broken image', async () => {
    const images = await first.page.evaluate(() =>
      [...document.images].map((img) => ({ src: img.dataset.src ?? img.getAttribute('src'), width: img.naturalWidth })),
    );
    const samples = SAMPLE_OBJECTS.filter((sample) => sample.title !== undefined).length;
    const presets = [...stack.layout.presets.values()];
    // Per preset: this browser's variant, the source format, and one column per format offered.
    const cells = presets.reduce((sum, preset) => sum + 2 + preset.formats.length, 0);
    expect(images).toHaveLength(samples * cells);
    expect(images.filter((image) => image.width === 0)).toEqual([]);
    const captions = await first.page.locator('figcaption').allTextContents();
    expect(captions.filter((caption) => !/^image\/(avif|webp|jpeg|png|gif) · \d+×\d+/.test(caption))).toEqual([]);
  });

  it('received the AVIF variant for the URL without a format, with Vary: Accept', () => {
    const answer = first.received.find((each) => each.path === NEGOTIATED && each.kind === 'image');
    expect(answer).toMatchObject({ status: 200, type: 'image/avif', vary: 'Accept' });
    // The animated GIF asked for as AVIF comes as animated WebP (libvips writes no AVIF animation).
    const gif = first.received.find((each) => each.path === '/prew/small/samples/animation.gif' && each.kind === 'image');
    expect(gif).toMatchObject({ status: 200, type: 'image/webp' });
  });

  it('serves every preview of a second visit from S3, without the proxy, and resizes nothing', async () => {
    const resizes = stack.counters.resizes();
    const second = await visit();

    expect(second.received.length).toBeGreaterThanOrEqual(first.received.length);
    const s3 = new URL(stack.emulators.s3Endpoint).host;
    for (const answer of second.received) {
      const entry = await accessEntry(stack.nginx!, answer.requestId);
      expect([answer.path, answer.status, entry.upstreams, entry.upstreamStatuses]).toEqual([answer.path, 200, [s3], [200]]);
    }
    expect(second.received.find((each) => each.path === NEGOTIATED && each.kind === 'image')?.type).toBe('image/avif');
    expect(stack.counters.resizes()).toBe(resizes);
    await second.page.context().close();
  });

  it('gets JPEG for a request with Accept: image/jpeg', async () => {
    const answer = await first.page.evaluate(async (path) => {
      const response = await fetch(path, { headers: { Accept: 'image/jpeg' } });
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, type: response.headers.get('content-type'), magic: [...bytes.subarray(0, 3)] };
    }, NEGOTIATED);

    expect(answer).toEqual({ status: 200, type: 'image/jpeg', magic: [0xff, 0xd8, 0xff] });
  });
});
