/**
 * Ready-made `Trainer` callbacks (the trainer itself prints nothing: notebooks and the CLI choose what to show).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import { Progress, ProgressConfig } from '../util/progress';
import type { EpochInfo, StepInfo } from './trainer';

/** A Trainer `onStepEnd` callback drawing one progress line per epoch (it reads the loss only when it draws). */
export function progressCallback(cfg: Partial<ProgressConfig> = {}): (s: StepInfo) => void {
  let bar: Progress | null = null;
  const showLoss = cfg.showLoss ?? true;
  return (s) => {
    if (s.step === 0 || !bar) bar = new Progress({ desc: `epoch ${s.epoch}`, ...cfg });
    bar.update(s.step + 1, s.epochSteps, () => (showLoss ? `loss ${s.loss().toFixed(4)}` : ''));
    if (s.step + 1 === s.epochSteps) {
      bar.close();
      bar = null;
    }
  };
}

/**
 * The original notebook's line, as its saved output printed it: `Epoch 0,  Average training loss: 0.7127 ,
 * Validation accuracy : 0.1751` (two spaces after the first comma; the slide text collapsed them to one).
 */
export const formatEpochLine = (e: EpochInfo) =>
  `Epoch ${e.epoch},  Average training loss: ${e.train_loss.toFixed(4)} , ` +
  `Validation accuracy : ${(e.valid?.mean_batch_accuracy ?? NaN).toFixed(4)}`;
