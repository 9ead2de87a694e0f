/** Charts: Plotly-schema figures rendered to static SVG (notebooks/02_inspect.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { barFigure, chartHtml, histogramFigure, lineFigure, renderSvg } from '../../src/notebook/charts';

test('histogramFigure counts values into shared bins', () => {
  const f = histogramFigure([{ name: 'a', values: [0, 4, 5, 9, 10] }, { name: 'b', values: [12] }], 5, 't');
  assert.deepEqual(f.data[0].x, ['0–4', '5–9', '10–14']);
  assert.deepEqual(f.data.map((t) => t.y), [[2, 2, 1], [0, 0, 1]]);
  assert.equal(f.layout.barmode, 'group');
});

test('renderSvg draws one rect per bar, one polyline per line, escapes text, keeps Korean', () => {
  const bars = renderSvg(barFigure(['표준어', '경상'], [{ name: 'rows <n>', y: [10, 4] }, { name: 'b', y: [3, 0] }], '라벨 & 행'));
  assert.equal((bars.match(/<rect x="[\d.]+" y="[\d.]+" width/g) ?? []).length, 4 + 2, '4 bars and 2 legend swatches');
  assert.match(bars, /라벨 &amp; 행/);
  assert.match(bars, /rows &lt;n&gt;/);
  assert.ok(bars.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  const lines = renderSvg(lineFigure([{ name: 'loss', x: [0, 1, 2], y: [1, 0.5, 0.25] }], 'curve'));
  assert.equal((lines.match(/<polyline/g) ?? []).length, 1);
  assert.equal((lines.match(/<circle/g) ?? []).length, 3);
  // Higher values are drawn higher: y pixel of 1 is above (smaller than) that of 0.25.
  const ys = [...lines.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(ys[0] < ys[2]);
});

test('chartHtml embeds the SVG and the figure JSON without breaking out of the script tag', () => {
  const html = chartHtml(barFigure(['</script>'], [{ name: 'x', y: [1] }], 't'));
  assert.match(html, /^<figure class="hai-chart"><svg/);
  assert.ok(!/<\/script>.*<\/script>/s.test(html.replace(/<\/script><\/figure>$/, '')), 'the JSON cannot close the script early');
});
