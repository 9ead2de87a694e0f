/**
 * The web app in a real browser: Debian's Chromium driven by playwright-core. Types a sentence, picks the
 * source and target, clicks 번역하기, and checks the detected label and the result. Skipped, saying so,
 * where /usr/bin/chromium is absent (.ci/run installs it). Also: an unchanged text shows its reason, not a
 * "translation"; stand-ins show a banner and the footer names what runs. Screenshots go to $HAI_SHOTS
 * (default /tmp/i14-shots/): translate-auto.png, translate-unchanged.png, translate-direction-off.png,
 * standin-banner.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { readParallel, buildTranslator } from '../../src/translate';
import { appDefaults, checkpointDetector, createAppServer, naiveBayesDetector, listen } from '../../src/app';
import type { Detector } from '../../src/app';
import { repoPath } from '../../src/util/paths';

const CHROMIUM = process.env.HAI_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.HAI_SHOTS ?? path.join(os.tmpdir(), 'i14-shots');
const skip = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set HAI_CHROMIUM)`;

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const translator = buildTranslator(
  readParallel([repoPath('data', 'aihub')]).filter((u) => Number(u.conversation.slice(-2)) <= 4),
);

/** Serves the app with `detector` and runs `fn` on a Chromium page of it. */
async function withPage(detector: Detector | null, fn: (page: import('playwright-core').Page) => Promise<void>) {
  const { chromium } = await import('playwright-core');
  const { server } = await listen(createAppServer(appDefaults({ translator, detector })), 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    fs.mkdirSync(SHOTS, { recursive: true });
    await fn(page);
  } finally {
    await context.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

test(
  'the page translates in Chromium: auto-detects Jeju, shows the label and the standard sentence',
  { skip, timeout: 120_000 },
  () =>
    withPage(naiveBayesDetector(), async (page) => {
      assert.equal(await page.title(), '방언 번역기 · HAI Dialect Lab');
      // the Naive Bayes classifier and the corpus tables are stand-ins: both bannered, both in the footer
      assert.ok(await page.isVisible('[data-standin="classifier"]'));
      assert.ok(await page.isVisible('[data-standin="translator"]'));
      assert.match((await page.textContent('footer')) ?? '', /what really runs[\s\S]*Naive Bayes[\s\S]*corpus tables/);
      const sentence = '혼저 옵서예 무사 경 햄수광';
      await page.fill('#text', sentence);
      await page.selectOption('#source', 'auto');
      await page.selectOption('#target', 'standard');
      await page.click('text=번역하기');
      await page.waitForSelector('#result:not([hidden])', { timeout: 30_000 });
      assert.equal(await page.textContent('#detected'), '입력 텍스트 자동 분류: 제주도 (대체 모델의 추정)');
      const expected = translator.translateSync(sentence, 'jeju', 'standard').output;
      assert.notEqual(expected, sentence);
      assert.equal(await page.textContent('#result'), expected);
      assert.ok(await page.isHidden('#notice'));
      assert.match((await page.textContent('#route')) ?? '', /jeju→standard/);
      await page.screenshot({ path: path.join(SHOTS, 'translate-auto.png'), fullPage: true });
      // a bad request shows the server's message, in Korean and English, on the page
      await page.fill('#text', '   ');
      await page.click('text=번역하기');
      await page.waitForSelector('#error:not([hidden])');
      assert.match((await page.textContent('#error')) ?? '', /입력 텍스트가 비어 있습니다.*empty/);
      assert.ok(await page.isHidden('#result'));
    }),
);

test('an unchanged text is not shown as a translation: the page shows why', { skip, timeout: 120_000 }, () =>
  withPage(null, async (page) => {
    await page.fill('#text', '오늘 회의는 세 시에 합니다.');
    await page.selectOption('#source', 'jeolla');
    await page.selectOption('#target', 'standard');
    await page.click('text=번역하기');
    await page.waitForSelector('#notice:not([hidden])', { timeout: 30_000 });
    assert.equal(await page.textContent('#notice'), '변환할 규칙이 없어 그대로 둡니다 / no rule applies: unchanged');
    assert.ok(await page.isHidden('#result'));
    await page.screenshot({ path: path.join(SHOTS, 'translate-unchanged.png'), fullPage: true });
    // standard → Gyeongsang: the tables say whether they do this direction; when they do not, the page says so
    await page.fill('#text', '밥 먹었어?');
    await page.selectOption('#source', 'standard');
    await page.selectOption('#target', 'gyeongsang');
    await page.click('text=번역하기');
    await page.waitForSelector('#route:not([hidden])', { timeout: 30_000 });
    const r = translator.translateSync('밥 먹었어?', 'standard', 'gyeongsang');
    assert.equal(await page.isHidden('#result'), !r.changed);
    if (r.reason) assert.equal(await page.textContent('#notice'), `${r.reason.ko} / ${r.reason.en}`);
    await page.screenshot({ path: path.join(SHOTS, 'translate-direction-off.png'), fullPage: true });
  }),
);

test(
  'a checkpoint fine-tuned from a stand-in gets a banner; the footer names its folder, runtime and recipe',
  { skip, timeout: 120_000 },
  async () => {
    // the folder's files as `hai train --standin` writes them (config.json keeps hai_standin); the page needs no
    // weights: the checkpoint loads on first use, and this test does not classify
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-standin-ckpt-'));
    const of = 'monologg/distilkobert';
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'distilbert', hai_standin: { of } }));
    const args = { model_ckpt: of, epochs: 15, batch: 32, lr: 5e-4, maxlen: 256, seed: 42 };
    fs.writeFileSync(path.join(dir, 'training_args.json'), JSON.stringify(args));
    try {
      await withPage(checkpointDetector(dir), async (page) => {
        const banner = (await page.textContent('[data-standin="classifier"]')) ?? '';
        assert.match(banner, /대체\(stand-in\) 분류기/);
        assert.match(banner, /STAND-IN classifier/);
        const footer = (await page.textContent('footer')) ?? '';
        assert.ok(footer.includes(dir), footer);
        assert.match(footer, /runtime TensorFlow\.js, recipe: model_ckpt "monologg\/distilkobert", epochs 15/);
        await page.screenshot({ path: path.join(SHOTS, 'standin-banner.png'), fullPage: true });
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
