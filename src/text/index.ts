/**
 * Layer 3, `text/`: tokenizers with Hugging Face's results. Encodings and padding, WordPiece (BERT, ELECTRA,
 * DistilBERT), KoBERT's SentencePiece, the tokenizer of a local folder.
 *
 * A layer imports only the layers below it (the order is in .dependency-cruiser.js and docs/architecture.md).
 * Introduced in notebooks/03_baseline.ipynb.
 */
export * from './pretrainedtokenizer';
export * from './tokenvocab';
export * from './darts';
export * from './sentencepiece';
export * from './spmtrain';
export * from './tokenizer';
export * from './tokenizerclass';
export * from './unkstats';
export * from './wordpiece';
export * from './wordpiecetokenizer';
export * from './ragged';
export * from './tokenizerjson';
