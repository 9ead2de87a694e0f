#!/usr/bin/env python3
"""Generates test/reference/optim.json with PyTorch 1.13 (Debian python3-torch): a tiny classifier's loss,
gradient norm and parameters after AdamW steps (torch.optim.AdamW, and the old transformers.AdamW written
out below from its published algorithm), with and without no-decay groups, clipping and a linear schedule;
and the losses of src/train/losses.ts. Run: /usr/bin/python3 test/reference/optim_reference.py"""
import json, math, os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
V, E, C = 12, 6, 4
init = {
    "embeddings.weight": torch.randn(V, E) * 0.5,
    "LayerNorm.weight": 1 + 0.1 * torch.randn(E),
    "LayerNorm.bias": 0.1 * torch.randn(E),
    "classifier.weight": torch.randn(C, E) * 0.5,  # torch layout [out, in]
    "classifier.bias": 0.1 * torch.randn(C),
}
ids = torch.tensor([[1, 5, 7, 0], [3, 3, 9, 11], [2, 4, 0, 0]])
mask = (ids > 0).float()
labels = torch.tensor([2, 0, 3])

def forward(p):
    h = p["embeddings.weight"][ids]                       # [B, T, E]
    h = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    h = F.layer_norm(h, (E,), p["LayerNorm.weight"], p["LayerNorm.bias"], 1e-12)
    return h @ p["classifier.weight"].T + p["classifier.bias"]

class HfAdamW(torch.optim.Optimizer):
    """transformers.AdamW (correct_bias=True) as published in transformers 4.x optimization.py."""
    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None: continue
                st = self.state[p]
                if not st:
                    st["step"] = 0; st["exp_avg"] = torch.zeros_like(p); st["exp_avg_sq"] = torch.zeros_like(p)
                b1, b2 = group["betas"]; st["step"] += 1
                st["exp_avg"].mul_(b1).add_(p.grad, alpha=1 - b1)
                st["exp_avg_sq"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                denom = st["exp_avg_sq"].sqrt().add_(group["eps"])
                step_size = group["lr"] * math.sqrt(1 - b2 ** st["step"]) / (1 - b1 ** st["step"])
                p.addcdiv_(st["exp_avg"], denom, value=-step_size)
                if group["weight_decay"] > 0.0:
                    p.add_(p, alpha=-group["lr"] * group["weight_decay"])

def run(variant, no_decay, wd, lr=0.05, steps=3, max_norm=0.5, warmup=1):
    p = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    nd = lambda n: any(s in n for s in no_decay)
    groups = [{"params": [v for n, v in p.items() if not nd(n)], "weight_decay": wd},
              {"params": [v for n, v in p.items() if nd(n)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, eps=1e-8) if variant == "torch" else HfAdamW(groups, lr=lr, eps=1e-8)
    total = steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(forward(p), labels)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(p.values()), max_norm)
        lr_used = opt.param_groups[0]["lr"]
        opt.step(); sched.step()
        out.append({"loss": loss.item(), "grad_norm": norm.item(), "lr": lr_used,
                    "params": {k: v.detach().T.flatten().tolist() if k == "classifier.weight" else v.detach().flatten().tolist() for k, v in p.items()}})
    return out

logits = forward(init)
w = torch.tensor([0.5, 2.0, 1.0, 3.0])
def focal(logits, y, gamma, alpha=None):
    logp = F.log_softmax(logits, -1).gather(1, y[:, None])[:, 0]
    a = alpha[y] if alpha is not None else torch.ones_like(logp)
    return (-a * (1 - logp.exp()) ** gamma * logp).mean().item()

ref = {
    "V": V, "E": E, "C": C, "ids": ids.tolist(), "labels": labels.tolist(),
    "init": {k: v.T.flatten().tolist() if k == "classifier.weight" else v.flatten().tolist() for k, v in init.items()},
    "logits": logits.detach().tolist(),
    "runs": {
        "torch_decay_all": run("torch", [], 0.1),
        "torch_no_decay_groups": run("torch", ["bias", "LayerNorm.weight"], 0.1),
        "hf_no_decay": run("hf", [], 0.0),
        "hf_decay_groups": run("hf", ["bias", "LayerNorm.weight"], 0.1),
    },
    "losses": {
        "ce": F.cross_entropy(logits, labels).item(),
        "ce_weighted": F.cross_entropy(logits, labels, weight=w).item(),
        "ce_smooth": F.cross_entropy(logits, labels, label_smoothing=0.1).item(),
        "ce_weighted_smooth": F.cross_entropy(logits, labels, weight=w, label_smoothing=0.2).item(),
        "focal_g2": focal(logits, labels, 2.0),
        "focal_g2_alpha": focal(logits, labels, 2.0, w),
        "focal_g0": focal(logits, labels, 0.0),
        "weights": w.tolist(),
    },
    "torch": torch.__version__,
}
with open(os.path.join(os.path.dirname(__file__), "optim.json"), "w") as f:
    json.dump(ref, f, indent=1)
print("wrote optim.json")
