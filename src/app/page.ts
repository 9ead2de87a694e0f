/**
 * The app's one page, in Korean, with the original Streamlit app's widgets in its order: 입력 언어
 * (자동 + the varieties), 발화 텍스트 입력, 목표 언어, 번역하기, the "입력 텍스트 자동 분류: …" line,
 * then the result. Plain HTML and a few lines of script that call the JSON API; no external files.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const OPTIONS: [string, string][] = [
  ['standard', '표준어'],
  ['gyeongsang', '경상도 방언'],
  ['jeju', '제주도 방언'],
  ['jeolla', '전라도 방언'],
];

export function renderPage(o: { detector: string | null; maxChars: number; hub: boolean }): string {
  const opts = (withAuto: boolean, selected: string) =>
    [...(withAuto ? [['auto', '자동'] as [string, string]] : []), ...OPTIONS]
      .map(([v, l]) => `<option value="${v}"${v === selected ? ' selected' : ''}>${l}</option>`)
      .join('');
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>방언 번역기 · HAI Dialect Lab</title>
<style>
 body { font-family: 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #262730; }
 h1 { font-size: 1.8rem; } label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
 select, textarea { width: 100%; font: inherit; padding: .5rem; border: 1px solid #ccc; border-radius: .4rem; box-sizing: border-box; }
 textarea { min-height: 6rem; } button { margin-top: 1rem; font: inherit; padding: .5rem 1.2rem; border-radius: .4rem; border: 1px solid #ff4b4b; background: #fff; color: #ff4b4b; cursor: pointer; }
 button:hover { background: #ff4b4b; color: #fff; }
 .success { background: #e8f5e9; color: #1b5e20; padding: .7rem 1rem; border-radius: .4rem; margin-top: 1rem; }
 .error { background: #fdecea; color: #b71c1c; padding: .7rem 1rem; border-radius: .4rem; margin-top: 1rem; }
 .result { font-size: 1.2rem; margin-top: 1rem; padding: .7rem 1rem; border-left: 4px solid #ff4b4b; background: #fafafa; }
 .note { color: #666; font-size: .85rem; margin-top: 2rem; } [hidden] { display: none; }
</style></head>
<body>
<h1>방언 번역기</h1>
<p>표준어와 경상도·제주도·전라도 방언 사이를 번역합니다. 말뭉치(AI Hub 형식)에서 배운 번역표를 씁니다.</p>
<label for="source">입력 언어</label><select id="source">${opts(true, 'auto')}</select>
<label for="text">발화 텍스트 입력</label><textarea id="text" maxlength="${o.maxChars}" placeholder="예: 밥 묵었나?"></textarea>
<label for="target">목표 언어</label><select id="target">${opts(false, 'standard')}</select>
${o.hub ? '<label for="translator">번역 모델</label><select id="translator"><option value="corpus">말뭉치 번역표</option><option value="hub">허브 KoBART 모델</option></select>' : ''}
<button id="go" type="button">번역하기</button>
<div id="detected" class="success" hidden></div>
<div id="error" class="error" hidden></div>
<div id="result" class="result" hidden></div>
<div id="route" class="note" hidden></div>
<p class="note">자동 분류: ${o.detector ? esc(o.detector) : '분류기 없음 (자동을 쓰려면 --model 로 체크포인트를 주세요)'}.
원래 앱은 로짓 4개 중 앞의 3개만 보고 argmax를 골라 전라도(3)를 절대 고르지 못했습니다. 여기서는 네 레이블 모두를 봅니다.
텍스트는 ${o.maxChars}자까지 받습니다.</p>
<script>
const $ = (id) => document.getElementById(id);
$('go').addEventListener('click', async () => {
  for (const id of ['detected', 'error', 'result', 'route']) $(id).hidden = true;
  const body = { text: $('text').value, source: $('source').value, target: $('target').value };
  if ($('translator')) body.translator = $('translator').value;
  $('go').disabled = true;
  try {
    const r = await fetch('/api/translate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    if (!r.ok) { $('error').textContent = j.error; $('error').hidden = false; return; }
    if (j.detected) { $('detected').textContent = '입력 텍스트 자동 분류: ' + j.detected.name; $('detected').hidden = false; }
    $('result').textContent = j.output; $('result').hidden = false;
    $('route').textContent = '경로: ' + j.route + ' (' + j.translator + ')'; $('route').hidden = false;
  } catch (e) { $('error').textContent = String(e); $('error').hidden = false; }
  finally { $('go').disabled = false; }
});
</script>
</body></html>
`;
}
