/**
 * Where each part of a training step runs on this process's backend, for `hai doctor` and the bench's notes: the
 * answer to "which parts are native?" without reading three modules.
 *
 * Introduced in notebooks/00_setup.ipynb (which backend runs, and how fast).
 */
import * as tf from '@tensorflow/tfjs';
import { dropoutDraws } from './fusedlayer';
import { nativeActive, NATIVE_ORT_VERSION } from './nativematmul';

export interface StepPart {
  part: string;
  where: string;
}

/** The parts of a fine-tuning step of the course's models and what computes each, now. */
export function stepLayout(): StepPart[] {
  const backend = tf.getBackend();
  const kernels = `tfjs ${backend} kernels`;
  const ort = `onnxruntime-node ${NATIVE_ORT_VERSION}`;
  const native = nativeActive();
  const draws =
    dropoutDraws(native) === 'js' ? 'drawn in JS (xoshiro128**) as plain arrays' : `tf.randomUniform on ${kernels}`;
  return [
    {
      part: 'encoder layers (GELU), forward and backward',
      where: native ? `${ort}, two graphs per layer` : `${kernels}, fused with a hand-written backward`,
    },
    { part: "encoder layers' dropout masks", where: draws },
    { part: 'products outside the layers (embedding projection, classifier)', where: native ? ort : kernels },
    { part: 'embeddings and their gradient, the rest of the head, loss, clipping, AdamW', where: kernels },
  ];
}
