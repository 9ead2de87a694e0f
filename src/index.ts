/**
 * HAI Dialect Lab: the library every notebook imports (`import * as hai from '../dist'`).
 * `tf` is re-exported so a notebook uses the same tfjs instance, with gradients and chained ops registered.
 */
import * as tf from '@tensorflow/tfjs';
export { tf };
export * from './backend';
export * from './kernels';
export * from './wasmfast';
export * from './wasmthreads';
export * from './fusedlayer';
export * from './modeling';
export * from './doctor';
export * from './bench';
export * from './jupyter';
export * from './data';
export * from './corpus';
export * from './inspect';
export * from './optim';
export * from './losses';
export * from './pipeline';
export * from './trainer';
export * from './progress';
export * from './charts';
export * from './nbrun';
export * from './kernelspec';
export * from './tokenizer';
export * from './wordpiece';
export * from './sentencepiece';
export * from './families';
export * from './checkpoint';
export * from './hub';
export * from './standin';
export * from './automodel';
export * from './freeze';
export * from './forward';
export * from './course';
export * from './grade';
export * from './gradecheck';
export * from './report';
