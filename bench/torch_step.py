#!/usr/bin/env python3
"""PyTorch reference for `hai bench`: the same KoELECTRA-small-shaped classifier (embedding 128 -> hidden 256,
4 heads, intermediate 1024, GELU, post-LayerNorm, ELECTRA head), the same batch and sequence length, one
training step = forward + cross-entropy + backward + AdamW, median ms of `steps` timed steps after `warmup`.
Prints one JSON object. Run by `hai bench --torch` with Debian's /usr/bin/python3 (python3-torch); set
OPENBLAS_NUM_THREADS to the thread count (torch uses 1 intra-op thread here: both at 2 oversubscribe).
`--device cuda` times the same step on a GPU (bench/gpu-check.sh), synchronising before each step's clock stops.
bench/torch_epoch.py imports `Model` and `parse` from here for the end-to-end rows."""
import argparse, json, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULTS = dict(layers=12, batch=32, seq=64, warmup=1, steps=3, vocab=35000, emb=128, hidden=256, heads=4, inter=1024, labels=4, threads=1)


def parser(defaults=DEFAULTS):
    p = argparse.ArgumentParser()
    for k, v in defaults.items():
        p.add_argument(f"--{k}", type=type(v), default=v)
    return p


class Layer(nn.Module):
    def __init__(s, a):
        super().__init__()
        s.a = a
        s.q, s.k, s.v, s.o = (nn.Linear(a.hidden, a.hidden) for _ in range(4))
        s.ln1, s.ln2 = nn.LayerNorm(a.hidden, eps=1e-12), nn.LayerNorm(a.hidden, eps=1e-12)
        s.i, s.out = nn.Linear(a.hidden, a.inter), nn.Linear(a.inter, a.hidden)
        s.drop = nn.Dropout(0.1)
    def forward(s, h, mask_add):
        B, T, H = h.shape
        heads = s.a.heads
        split = lambda x: x.view(B, T, heads, H // heads).transpose(1, 2)
        scores = split(s.q(h)) @ split(s.k(h)).transpose(-1, -2) / (H // heads) ** 0.5 + mask_add
        ctx = (s.drop(scores.softmax(-1)) @ split(s.v(h))).transpose(1, 2).reshape(B, T, H)
        h = s.ln1(s.drop(s.o(ctx)) + h)
        return s.ln2(s.drop(s.out(F.gelu(s.i(h)))) + h)


class Model(nn.Module):
    """`a`: anything with the DEFAULTS' model fields (layers, vocab, emb, hidden, heads, inter, labels)."""
    def __init__(s, a):
        super().__init__()
        s.word, s.pos, s.tok_type = nn.Embedding(a.vocab, a.emb), nn.Embedding(512, a.emb), nn.Embedding(2, a.emb)
        s.ln = nn.LayerNorm(a.emb, eps=1e-12)
        s.proj = nn.Linear(a.emb, a.hidden)
        s.layers = nn.ModuleList(Layer(a) for _ in range(a.layers))
        s.dense, s.out_proj = nn.Linear(a.hidden, a.hidden), nn.Linear(a.hidden, a.labels)
        s.drop = nn.Dropout(0.1)
    def forward(s, ids, mask):
        T = ids.shape[1]
        h = s.proj(s.drop(s.ln(s.word(ids) + s.tok_type(torch.zeros_like(ids)) + s.pos(torch.arange(T, device=ids.device)))))
        mask_add = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in s.layers:
            h = l(h, mask_add)
        return s.out_proj(s.drop(F.gelu(s.dense(s.drop(h[:, 0])))))


def main():
    p = parser()
    p.add_argument("--task", choices=["train", "forward"], default="train")
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    m = Model(a).to(dev)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq)).to(dev)
    mask = torch.ones(a.batch, a.seq, dtype=torch.long).to(dev)
    y = torch.randint(0, a.labels, (a.batch,)).to(dev)
    opt = torch.optim.AdamW(m.parameters(), lr=5e-5)
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        if a.task == "train":
            m.train(); opt.zero_grad()
            F.cross_entropy(m(ids, mask), y).backward()
            opt.step()
        else:
            m.eval()
            with torch.no_grad():
                m(ids, mask)
        sync()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": statistics.median(times), "times": times}
    if dev.type == "cuda":
        out.update(device=torch.cuda.get_device_name(dev), examples_per_s=a.batch / statistics.median(times) * 1000)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
