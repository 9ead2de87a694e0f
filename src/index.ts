/**
 * HAI Dialect Lab: the library every notebook imports (`import * as hai from '../dist'`).
 * `tf` is re-exported so a notebook uses the same tfjs instance, with gradients and chained ops registered.
 *
 * The library is in layers, each a folder with an index of its public names; a layer imports only the
 * layers below it (docs/architecture.md). This file is the only module at the top and re-exports them all.
 */
import * as tf from '@tensorflow/tfjs';
export { tf };
export * from './util';
export * from './engine';
export * from './data';
export * from './text';
export * from './models';
export * from './infer';
export * from './train';
export * from './notebook';
export * from './course';
export * from './translate';
export * from './grade';
export * from './bench';
export * from './app';
export * from './book';
export * from './cli';
