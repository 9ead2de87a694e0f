/**
 * Layer 1, `engine/`: the tensor engine. Backend choice (tfjs-node-gpu > webgpu > tfjs-node > wasm > cpu), the
 * kit's own
 * kernels on the wasm heap, pthreads under Node, fused encoder layers with a hand-written backward.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/00_setup.ipynb.
 */
export * from './backend';
export * from './fusedlayer';
export * from './kernels';
export * from './wasmfast';
export * from './wasmthreads';
export * from './nativematmul';
export * from './nativelayer';
export * from './webgpu';
export * from './webgpukernels';
