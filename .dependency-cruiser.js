/**
 * The import rules of src/, checked on every `npm test` (`npm run lint:deps`, dependency-cruiser):
 * no cycles, and each layer imports only the layers below it. LAYERS is the order, lowest first; the layer
 * list in docs/architecture.md names the same folders.
 */
const LAYERS = ['util', 'engine', 'data', 'text', 'models', 'infer', 'train', 'notebook', 'course', 'translate', 'grade', 'bench', 'app', 'book', 'cli'];

const upward = LAYERS.map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only ${LAYERS.slice(0, i).join(', ') || 'nothing of the library'} (the layers below it)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${[...LAYERS.slice(i + 1), 'index\\.ts$'].join('|')})` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import cycle (CommonJS gives one side undefined exports)', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'top-is-index-only', comment: 'src/ has only index.ts at the top; modules live in layer folders', severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/index\\.ts$' }, to: {},
    },
    {
      name: 'layers-known', comment: `every src folder is a layer: ${LAYERS.join(', ')}`, severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.join('|')})/` }, to: {},
    },
    {
      name: 'app-inference-only',
      comment: 'the app classifies through src/infer/ (the one predict loop); it never reaches the training run',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(course|train)/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    // type-only imports count too: a layer's types belong to it or below.
  },
};
