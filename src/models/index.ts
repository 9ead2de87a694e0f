/**
 * Layer 4, `models/`: the three families (BERT, DistilBERT, ELECTRA) and their numerics, checkpoints
 * (safetensors, pytorch_model.bin), the hub cache, offline stand-ins, `AutoModelForSequenceClassification`,
 * `AutoTokenizer`, freezing.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/03_baseline.ipynb.
 */
export * from './automodel';
export * from './loadreport';
export type { SaveOptions } from './savepretrained';
export { savePretrained } from './savepretrained';
export * from './autotokenizer';
export * from './checkpoint';
export * from './ziparchive';
export * from './families';
export type { Ctx, Family } from './familybase';
export * from './bertfamily';
export * from './distilbertfamily';
export * from './forward';
export * from './freeze';
export * from './hubcache';
export * from './modeling';
export * from './numerics';
export * from './safetensors';
export * from './standin';
export * from './naivebayes';
export * from './onnxexport';
export * from './onnxgraph';
export * from './onnxruntime';
