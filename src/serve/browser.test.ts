/**
 * The page in a real browser (playwright-core driving Debian's Chromium, installed by
 * scripts/setup.sh; T2VLP_CHROMIUM overrides its path): `t2vlp serve --demo` in a quicker
 * configuration (60 synthetic videos, 8 + 1 epochs: about a minute of training on 2 idle cores,
 * done once and cached in .t2vlp-cache/serve-browser-test, then reused), a caption of a
 * held-out test video typed into the search box, that video among the first results with a thumbnail at the
 * matching frame, and a click that plays it from the reported time. The screenshot is kept in
 * test-output/serve-browser/ (T2VLP_TEST_OUTPUT overrides the folder).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.T2VLP_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const DEMO_DIR = resolve(process.env.T2VLP_DEMO_DIR ?? '.t2vlp-cache/serve-browser-test');
/** The demo's size (T2VLP_DEMO_ARGS='' gives `serve --demo`'s defaults: 300 videos, 14 epochs). */
const DEMO_ARGS = (process.env.T2VLP_DEMO_ARGS ?? '--demo-videos 60 --demo-epochs 8').split(/\s+/).filter(Boolean);
const OUT = resolve(process.env.T2VLP_TEST_OUTPUT ?? 'test-output', 'serve-browser');

/** The first test caption of the synthetic dataset and its video (held out from training). */
function testCaption(): { caption: string; video: string } {
  const csv = readFileSync(join(DEMO_DIR, 'data', 'MSRVTT_JSFUSION_test.csv'), 'utf8').trim().split('\n');
  const m = /^[^,]*,[^,]*,([^,]+),"?(.*?)"?$/.exec(csv[1]!)!;
  return { video: `${m[1]}.mp4`, caption: m[2]!.replace(/""/g, '"') };
}

test('serve --demo in Chromium: search a caption, the video shows with a thumbnail, a click plays it from the moment', { timeout: 1_800_000 }, async () => {
  assert.ok(CHROMIUM, "Chromium not found: install it (scripts/setup.sh runs 'apt-get install chromium') or set T2VLP_CHROMIUM=/path/to/chromium");
  const child = spawn(process.execPath, [resolve('bin/t2vlp.js'), 'serve', '--demo', '--demo-dir', DEMO_DIR, ...DEMO_ARGS, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log += c.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
  try {
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const m = /t2vlp serve: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) res(m[1]!);
      });
      child.on('exit', (code) => rej(new Error(`serve --demo exited with ${code} before listening:\n${log}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(url);
    // The page shows the indexing progress until the library is done.
    await page.waitForFunction(() => document.getElementById('status')?.dataset.done === 'true', null, { timeout: 900_000, polling: 500 });
    assert.match((await page.textContent('#status')) ?? '', /\d+ videos, \d+ moments indexed/);

    const { caption, video } = testCaption();
    await page.fill('#q', caption);
    await page.press('#q', 'Enter');
    await page.waitForSelector('#results .hit');
    const hits = await page.$$eval('#results .hit', (els) =>
      els.map((e) => ({ video: (e as HTMLElement).dataset.video, time: Number((e as HTMLElement).dataset.time) })),
    );
    const rank = hits.findIndex((h) => h.video === video);
    assert.ok(rank >= 0 && rank < 3, `'${video}' is among the first 3 results for "${caption}" (got: ${hits.slice(0, 5).map((h) => h.video).join(', ')})`);
    const card = page.locator(`#results .hit[data-video="${video}"]`);
    await card.locator('img').evaluate((img) => (img as HTMLImageElement).decode());
    const natural = await card.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth);
    assert.ok(natural > 0, 'the thumbnail loaded');
    const when = (await card.locator('.when').textContent()) ?? '';
    assert.match(when, /at \d+:\d\d\.\d .* score \d+\.\d\d/);

    await card.click();
    await page.waitForFunction(() => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return v.readyState >= 2 && !v.paused;
    }, null, { timeout: 30_000 });
    const played = await page.evaluate(() => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { src: v.currentSrc, time: v.currentTime };
    });
    assert.ok(played.src.endsWith(`/api/videos/${video}`), `playing ${played.src}`);
    const t = hits[rank]!.time;
    assert.ok(played.time >= t - 0.05 && played.time < t + 2, `playback at ${played.time.toFixed(2)} s started from the moment (${t} s)`);

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'search.png'), fullPage: true });
    console.log(`screenshot: ${join(OUT, 'search.png')}`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
  }
});
