/**
 * The route table: for every source and target, the route the app takes and what each translator does on it,
 * from the tables themselves (a table tuned to "never change" copies) and the original app's hub models. The
 * notebook shows it, `npm start`'s report prints it, docs/app.md explains it.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import { CorpusTranslator, tableActive } from './corpustranslator';
import { HUB_MODELS, hopName } from './kobart';
import { VARIETIES, route, routeName } from './varieties';

// a type, not an interface: rows go to htmlTable, which takes Record<string, unknown>
export type RouteRow = {
  from: string;
  to: string;
  route: string;
  /** What the corpus tables do on each hop: `rewrites`, `copies` (tuned off), or `echo`. */
  corpus: string;
  /** The hub model of each hop, or `no model`. */
  hub: string;
};

/** Every (source, target) pair of the four varieties. */
export function routeTable(t: CorpusTranslator): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const from of VARIETIES)
    for (const to of VARIETIES) {
      const hops = route(from, to);
      const corpus = hops.map((h) => {
        const label = VARIETIES.indexOf(h.to === 'standard' ? h.from : h.to);
        const dir = h.to === 'standard' ? 'to_standard' : 'from_standard';
        const table = t.tables.find((x) => x.label === label && x.direction === dir);
        return `${hopName(h)}: ${!table ? 'no table' : tableActive(table) ? 'rewrites' : 'copies (tuned off)'}`;
      });
      const hub = hops.map((h) => HUB_MODELS[hopName(h)] ?? 'no model');
      rows.push({
        from,
        to,
        route: routeName(hops, from),
        corpus: corpus.join('; ') || 'echo',
        hub: hub.join(' + ') || 'echo',
      });
    }
  return rows;
}
