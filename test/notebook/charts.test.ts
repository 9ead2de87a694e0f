/** Charts: Plotly-schema figures rendered to static SVG (notebooks/02_inspect.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  barFigure,
  chartHtml,
  histogramFigure,
  lineFigure,
  renderSvg,
  textWidth,
  wrapLabel,
} from '../../src/notebook/charts';
import { SESSION5 } from './labels';

test('histogramFigure counts values into shared bins', () => {
  const f = histogramFigure(
    [
      { name: 'a', values: [0, 4, 5, 9, 10] },
      { name: 'b', values: [12] },
    ],
    5,
    't',
  );
  assert.deepEqual(f.data[0].x, ['0–4', '5–9', '10–14']);
  assert.deepEqual(
    f.data.map((t) => t.y),
    [
      [2, 2, 1],
      [0, 0, 1],
    ],
  );
  assert.equal(f.layout.barmode, 'group');
});

test('renderSvg draws one rect per bar, one polyline per line, escapes text, keeps Korean', () => {
  const bars = renderSvg(
    barFigure(
      ['표준어', '경상'],
      [
        { name: 'rows <n>', y: [10, 4] },
        { name: 'b', y: [3, 0] },
      ],
      '라벨 & 행',
    ),
  );
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
  assert.ok(
    !/<\/script>.*<\/script>/s.test(html.replace(/<\/script><\/figure>$/, '')),
    'the JSON cannot close the script early',
  );
});

test('wrapLabel breaks at spaces and after hyphens, inside a word only when it must, and ends cut text in …', () => {
  assert.deepEqual(wrapLabel('freeze all but the head', textWidth('freeze all')), ['freeze all', 'but the', 'head']);
  assert.deepEqual(wrapLabel('weighted cross-entropy', textWidth('weighted')), ['weighted', 'cross-', 'entropy']);
  assert.deepEqual(wrapLabel('conversation', textWidth('conver')), ['conver', 'sation']);
  const cut = wrapLabel('one two three four five', textWidth('three'), 2);
  assert.equal(cut.length, 2);
  assert.match(cut[1], /…$/);
  assert.ok(textWidth(cut[1]) <= textWidth('three'));
  assert.deepEqual(wrapLabel('표준어', 100), ['표준어']);
  assert.ok(textWidth('표준어') > textWidth('abc') * 1.5, 'Hangul counts as full-width');
});

test('eight long category labels: each line fits its slot, neighbours do not overlap, the legend stays below', () => {
  for (const width of [640, 720, 480]) {
    const svg = renderSvg({
      ...barFigure(SESSION5, [{ name: 'accuracy', y: SESSION5.map((_, i) => i / 10) }], 'Session 5'),
      layout: { title: { text: 'Session 5' }, width },
    });
    const ticks = [
      ...svg.matchAll(
        /<text class="xtick" x="([\d.]+)" y="([\d.]+)" text-anchor="middle"(?: font-size="(\d+)")?>(.*?)<\/text>/g,
      ),
    ];
    assert.equal(ticks.length, 8, `width ${width}: one label per category`);
    const boxes = ticks.map(([, x, y, px, body]) => {
      const lines = [...body.matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
      const w = Math.max(...lines.map((l) => textWidth(l, px ? Number(px) : 11)));
      return { l: Number(x) - w / 2, r: Number(x) + w / 2, bottom: Number(y) + (lines.length - 1) * 13, lines };
    });
    for (let i = 1; i < boxes.length; i++)
      assert.ok(
        boxes[i - 1].r < boxes[i].l,
        `width ${width}: labels ${i - 1} and ${i} overlap: ${JSON.stringify(boxes.slice(i - 1, i + 1))}`,
      );
    const legendTop = Number(svg.match(/<rect x="[\d.]+" y="([\d.]+)" width="10"/)![1]);
    assert.ok(
      boxes.every((b) => b.bottom < legendTop),
      `width ${width}: labels run into the legend`,
    );
    assert.ok(boxes.every((b) => b.l >= 0 && b.r <= width));
  }
});
