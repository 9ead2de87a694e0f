/**
 * The web app in a real browser: Debian's Chromium driven by playwright-core. Types a sentence, picks the
 * source and target, clicks 번역하기, and checks the detected label and the result. Skipped, saying so,
 * where /usr/bin/chromium is absent (.ci/run installs it). A screenshot goes to /tmp/i14-shots/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { readParallel, buildTranslator } from '../../src/translate';
import { appDefaults, createAppServer, naiveBayesDetector, listen } from '../../src/app';
import { repoPath } from '../../src/util/paths';

const CHROMIUM = process.env.HAI_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.HAI_SHOTS ?? path.join(os.tmpdir(), 'i14-shots');
const skip = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set HAI_CHROMIUM)`;

test(
  'the page translates in Chromium: auto-detects Jeju, shows the label and the standard sentence',
  { skip, timeout: 120_000 },
  async () => {
    const { chromium } = await import('playwright-core');
    const translator = buildTranslator(
      readParallel([repoPath('data', 'aihub')]).filter((u) => Number(u.conversation.slice(-2)) <= 4),
    );
    const { server } = await listen(
      createAppServer(appDefaults({ translator, detector: naiveBayesDetector() })),
      0,
      '127.0.0.1',
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(url);
      assert.equal(await page.title(), '방언 번역기 · HAI Dialect Lab');
      const sentence = '혼저 옵서예 무사 경 햄수광';
      await page.fill('#text', sentence);
      await page.selectOption('#source', 'auto');
      await page.selectOption('#target', 'standard');
      await page.click('text=번역하기');
      await page.waitForSelector('#result:not([hidden])', { timeout: 30_000 });
      assert.equal(await page.textContent('#detected'), '입력 텍스트 자동 분류: 제주도');
      const expected = translator.translateSync(sentence, 'jeju', 'standard').output;
      assert.notEqual(expected, sentence);
      assert.equal(await page.textContent('#result'), expected);
      assert.match((await page.textContent('#route')) ?? '', /jeju→standard/);
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'translate-auto.png'), fullPage: true });
      // a bad request shows the server's message on the page
      await page.fill('#text', '   ');
      await page.click('text=번역하기');
      await page.waitForSelector('#error:not([hidden])');
      assert.match((await page.textContent('#error')) ?? '', /empty/);
      assert.ok(await page.isHidden('#result'));
    } finally {
      await context.close();
      server.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  },
);
