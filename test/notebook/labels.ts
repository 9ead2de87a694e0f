/** Session 5's experiment names, the labels that ran into each other before they were wrapped. */
export const SESSION5 = [
  '기준 (tuned, course data)',
  'clean rules + split by conversation',
  'weighted cross-entropy (balanced)',
  'class-balanced sampler',
  'freeze embeddings',
  'freeze all but the head',
  'label smoothing 0.1',
  'focal loss γ=2',
];
