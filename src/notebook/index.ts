/**
 * Layer 6, `notebook/`: running notebooks through a real Jupyter kernel (tslab), the kernelspec, charts
 * (Plotly figures; static SVG for saved notebooks, plotly.js where a browser runs them).
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/02_inspect.ipynb.
 */
export * from './charts';
export * from './jupyter';
export * from './kernelspec';
export * from './nbrun';
export * from './nbformat';
export * from './kernelproc';
export * from './plotly';
export * from './todo';
