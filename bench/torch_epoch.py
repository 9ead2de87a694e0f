#!/usr/bin/env python3
"""PyTorch counterpart of `hai bench --tasks epoch,predict`: what the 2022 notebook did, on the token ids our side
produced (a JSON file {"maxlen", "input_ids", "attention_mask", "labels"}, rows padded to maxlen), with the
KoELECTRA-small-shaped model of bench/torch_step.py (random init: a speed measurement).

- epoch: TensorDataset + RandomSampler + DataLoader(batch), AdamW(lr, eps, weight_decay 0), a linear schedule
  without warmup, clip_grad_norm_(1.0), one epoch. `--micro-batch` accumulates gradients over slices of the
  batch (the same step; the notebook's batch of 256 rows at maxlen 256 needs ~20 GB of activations, more than
  this machine can spare). `--dynamic` is this kit's fast pipeline done in torch, for comparison: HF's
  length-grouped order and each micro-batch cut to its longest row.
- predict: eval mode, no_grad, SequentialSampler + DataLoader(batch), softmax and argmax per batch.

Prints one JSON object: seconds (wall time of the epoch or of the prediction loop), steps, examples,
mean_len (the mean length each row was padded to). Run by `hai bench --torch` with OPENBLAS_NUM_THREADS = cores
and one intra-op thread, as bench/torch_step.py."""
import json, os, sys, time
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler, TensorDataset

sys.dont_write_bytecode = True  # no bench/__pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_step import DEFAULTS, Model, parser  # noqa: E402

p = parser({**DEFAULTS, "batch": 256, "micro_batch": 32, "lr": 1e-4, "eps": 1e-8, "max_grad_norm": 1.0, "seed": 42})
p.add_argument("--task", choices=["epoch", "predict"], default="epoch")
p.add_argument("--data", required=True)
p.add_argument("--dynamic", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

d = json.load(open(a.data))
ids, mask = torch.tensor(d["input_ids"], dtype=torch.long), torch.tensor(d["attention_mask"], dtype=torch.long)
labels = torch.tensor(d["labels"], dtype=torch.long)
lengths = [int(r.nonzero().max()) + 1 if r.any() else 1 for r in mask]
model = Model(a)
padded = 0


def trim(i, m):
    """The micro-batch cut to its longest attended row (the fast pipeline only)."""
    global padded
    if a.dynamic:
        n = max(1, int(m.sum(0).nonzero().max()) + 1)
        i, m = i[:, :n], m[:, :n]
    padded += i.numel()
    return i, m


def grouped_order(gen):
    """transformers' get_length_grouped_indices: random permutation, mega-batches sorted longest first."""
    idx = torch.randperm(len(lengths), generator=gen).tolist()
    mult = max(1, min(len(idx) // (a.batch * 4), 50))
    megas = [sorted(idx[s:s + mult * a.batch], key=lambda i: -lengths[i]) for s in range(0, len(idx), mult * a.batch)]
    top = max(range(len(megas)), key=lambda k: lengths[megas[k][0]])
    megas[0][0], megas[top][0] = megas[top][0], megas[0][0]
    return [i for m in megas for i in m]


t0 = time.perf_counter()
steps = 0
if a.task == "epoch":
    gen = torch.Generator().manual_seed(a.seed)
    data = TensorDataset(ids, mask, labels)
    sampler = grouped_order(gen) if a.dynamic else RandomSampler(data, generator=gen)
    loader = DataLoader(data, sampler=sampler, batch_size=a.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, eps=a.eps, weight_decay=0.0)
    total = len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / max(1, total)))
    model.train()
    for b_ids, b_mask, b_y in loader:
        opt.zero_grad()
        for s in range(0, len(b_y), a.micro_batch):
            i, m = trim(b_ids[s:s + a.micro_batch], b_mask[s:s + a.micro_batch])
            y = b_y[s:s + a.micro_batch]
            (F.cross_entropy(model(i, m), y) * (len(y) / len(b_y))).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.max_grad_norm)
        opt.step()
        sched.step()
        steps += 1
        print(f"bench-progress step {steps}/{total} {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
else:
    model.eval()
    preds = []
    with torch.no_grad():
        for b_ids, b_mask in DataLoader(TensorDataset(ids, mask), sampler=SequentialSampler(ids), batch_size=a.batch):
            i, m = trim(b_ids, b_mask)
            preds += model(i, m).softmax(-1).argmax(-1).tolist()
            steps += 1
seconds = time.perf_counter() - t0
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds, "steps": steps,
                  "examples": len(labels), "mean_len": padded / len(labels)}))
