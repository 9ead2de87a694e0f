/**
 * The app's one page, in Korean, with the original Streamlit app's widgets in its order: 입력 언어
 * (자동 + the varieties), 발화 텍스트 입력, 목표 언어, 번역하기, the "입력 텍스트 자동 분류: …" line,
 * then the result. Plain HTML and a few lines of script that call the JSON API; no external files.
 *
 * What the visitor sees says what happened: a stand-in (provenance.ts) gets a banner above the form; an answer
 * with `changed: false` shows its reason ("변환할 규칙이 없어 그대로 둡니다 / no rule applies: unchanged"), not the
 * input dressed as a translation; the footer names what runs (checkpoint, runtime, recipe; translator file).
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import type { Part } from './provenance';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const OPTIONS: [string, string][] = [
  ['standard', '표준어'],
  ['gyeongsang', '경상도 방언'],
  ['jeju', '제주도 방언'],
  ['jeolla', '전라도 방언'],
];

const STYLE = `
 body { font-family: 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif; max-width: 46rem; margin: 2rem auto;
   padding: 0 1rem; color: #262730; }
 h1 { font-size: 1.8rem; } label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
 select, textarea { width: 100%; font: inherit; padding: .5rem; border: 1px solid #ccc; border-radius: .4rem;
   box-sizing: border-box; }
 textarea { min-height: 6rem; }
 button { margin-top: 1rem; font: inherit; padding: .5rem 1.2rem; border-radius: .4rem; border: 1px solid #ff4b4b;
   background: #fff; color: #ff4b4b; cursor: pointer; }
 button:hover { background: #ff4b4b; color: #fff; }
 .success { background: #e8f5e9; color: #1b5e20; padding: .7rem 1rem; border-radius: .4rem; margin-top: 1rem; }
 .error { background: #fdecea; color: #b71c1c; padding: .7rem 1rem; border-radius: .4rem; margin-top: 1rem; }
 .banner { background: #fff4e5; color: #663c00; border: 1px solid #ffb74d; padding: .6rem 1rem; border-radius: .4rem;
   margin: .6rem 0; font-size: .92rem; }
 .banner.standin-classifier { background: #fdecea; color: #8a1c1c; border-color: #e57373; }
 .notice { background: #eef3fb; color: #1a3d6d; padding: .7rem 1rem; border-radius: .4rem; margin-top: 1rem; }
 .result { font-size: 1.2rem; margin-top: 1rem; padding: .7rem 1rem; border-left: 4px solid #ff4b4b;
   background: #fafafa; }
 .note, footer { color: #666; font-size: .85rem; margin-top: 2rem; } footer li { margin: .3rem 0; }
 [hidden] { display: none; }
`;

const banner = (p: Part | null) =>
  p?.banner
    ? `<div class="banner standin-${p.role}" role="note" data-standin="${p.role}">` +
      `<strong>대체 모델 (stand-in)</strong> · ${esc(p.banner.ko)}<br><small>${esc(p.banner.en)}</small></div>`
    : '';
const footerItem = (title: string, p: Part | null) =>
  p
    ? `<li><strong>${title}</strong>${p.standin ? ' (대체 모델 · stand-in)' : ''}: ${esc(p.ko)}` +
      `<br><small>${esc(p.en)}</small></li>`
    : '';

// The page's script: calls the API and shows either the translation or why there is none.
const SCRIPT = `
const $ = (id) => document.getElementById(id);
const show = (id, text) => { $(id).textContent = text; $(id).hidden = false; };
$('go').addEventListener('click', async () => {
  for (const id of ['detected', 'error', 'notice', 'result', 'route']) $(id).hidden = true;
  const body = { text: $('text').value, source: $('source').value, target: $('target').value };
  if ($('translator')) body.translator = $('translator').value;
  $('go').disabled = true;
  try {
    const r = await fetch('/api/translate',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    if (!r.ok) { show('error', (j.error_ko ? j.error_ko + ' / ' : '') + j.error); return; }
    if (j.detected)
      show('detected', '입력 텍스트 자동 분류: ' + j.detected.name + (j.detected.standin ? ' (대체 모델의 추정)' : ''));
    if (j.reason) show('notice', j.reason.ko + ' / ' + j.reason.en);
    // an unchanged text is not shown as a translation; a changed one is, even when the route stopped short
    if (j.changed) show('result', j.output);
    show('route', '경로: ' + j.route + ' (' + j.translator + (j.standin ? ', 대체 모델' : '') + ')');
  } catch (e) { show('error', String(e)); }
  finally { $('go').disabled = false; }
});
`;

export interface PageOptions {
  maxChars: number;
  classifier: Part | null;
  translator: Part;
  hub: Part | null;
}

export function renderPage(o: PageOptions): string {
  const opts = (withAuto: boolean, selected: string) =>
    [...(withAuto ? [['auto', '자동'] as [string, string]] : []), ...OPTIONS]
      .map(([v, l]) => `<option value="${v}"${v === selected ? ' selected' : ''}>${l}</option>`)
      .join('');
  const hubSelect = o.hub
    ? '<label for="translator">번역 모델</label><select id="translator"><option value="corpus">말뭉치 번역표</option>' +
      '<option value="hub">허브 KoBART 모델</option></select>'
    : '';
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>방언 번역기 · HAI Dialect Lab</title>
<style>${STYLE}</style></head>
<body>
<h1>방언 번역기</h1>
<p>표준어와 경상도·제주도·전라도 방언 사이를 번역합니다. 말뭉치(AI Hub 형식)에서 배운 번역표를 씁니다.</p>
${banner(o.classifier)}${banner(o.translator)}
<label for="source">입력 언어</label><select id="source">${opts(true, 'auto')}</select>
<label for="text">발화 텍스트 입력</label>
<textarea id="text" maxlength="${o.maxChars}" placeholder="예: 밥 묵었나?"></textarea>
<label for="target">목표 언어</label><select id="target">${opts(false, 'standard')}</select>
${hubSelect}
<button id="go" type="button">번역하기</button>
<div id="detected" class="success" hidden></div>
<div id="error" class="error" hidden></div>
<div id="notice" class="notice" role="status" hidden></div>
<div id="result" class="result" hidden></div>
<div id="route" class="note" hidden></div>
<p class="note">자동 분류: ${o.classifier ? esc(o.classifier.ko) : '분류기 없음 (자동을 쓰려면 --model 로 체크포인트를 주세요)'}.
원래 앱은 로짓 4개 중 앞의 3개만 보고 argmax를 골라 전라도(3)를 절대 고르지 못했습니다. 여기서는 네 레이블 모두를 봅니다.
텍스트는 ${o.maxChars}자까지 받습니다.</p>
<footer><p>실제로 돌아가는 것 / what really runs:</p><ul>
${footerItem('분류기 · classifier', o.classifier)}${footerItem('번역기 · translator', o.translator)}${footerItem(
    '허브 번역 모델 · hub translator',
    o.hub,
  )}</ul></footer>
<script>${SCRIPT}</script>
</body></html>
`;
}
