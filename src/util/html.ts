/**
 * HTML for notebook cells and reports: escaping, and plain tables of records.
 *
 * Introduced in notebooks/02_inspect.ipynb.
 */
/** Escapes text for HTML (tables, charts, reports). */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const esc = escapeHtml;
/** An HTML table of records (for `tslab.display.html`); numbers are right-aligned and rounded. */
export function htmlTable(records: Record<string, unknown>[], caption?: string): string {
  if (!records.length) return `<p>${caption ? esc(caption) + ': ' : ''}(empty)</p>`;
  const cols = Object.keys(records[0]);
  const cell = (v: unknown) =>
    typeof v === 'number'
      ? `<td style="text-align:right">${Number.isInteger(v) ? v : v.toFixed(4)}</td>`
      : `<td>${esc(Array.isArray(v) ? v.join(', ') : String(v))}</td>`;
  return (
    `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}` +
    `<thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${records.map((r) => `<tr>${cols.map((c) => cell(r[c])).join('')}</tr>`).join('')}</tbody></table>`
  );
}
