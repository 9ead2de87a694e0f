#!/usr/bin/env python3
"""Generates test/reference/models.json with PyTorch 1.13 (Debian python3-torch): tiny BERT, DistilBERT and
ELECTRA sequence classifiers with Hugging Face's module structure and state-dict names, written out below from
transformers 4.x's modeling_bert.py / modeling_distilbert.py / modeling_electra.py (transformers itself is not
installable here), their float32 weights, a padded batch, and the eval-mode logits and last hidden states.

Weights are drawn larger than HF's init (std 0.02 would make every logit ~0 and hide mistakes).
Floats are written with 9 significant digits, which round-trips float32 exactly, so the TypeScript side
rebuilds the very same weights. Run:  /usr/bin/python3 test/reference/models_reference.py

Also used by test/models.test.ts when torch is importable:
  --save-bin DIR    torch.save each state dict in the zip format (DIR/<family>/zip.bin) and the legacy one
                    (DIR/<family>/legacy.bin), with a position_ids int64 buffer and a pre-training head
  --check FILE...   torch.load (.bin) or parse by hand (.safetensors) files written by the TypeScript side and
                    print, as JSON, the max |difference| of each tensor to the reference weights
"""
import json, math, os, struct, sys
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def gelu(x):
    return F.gelu(x)  # erf form, as transformers' "gelu"


class BertLikeEmbeddings(nn.Module):
    def __init__(self, c, dim):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], dim, padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], dim)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], dim)
        self.LayerNorm = nn.LayerNorm(dim, eps=c["layer_norm_eps"])

    def forward(self, ids, types):
        pos = torch.arange(ids.shape[1])[None, :]
        e = self.word_embeddings(ids) + self.token_type_embeddings(types)
        e = e + self.position_embeddings(pos)
        return self.LayerNorm(e)


class BertLayer(nn.Module):
    """BertSelfAttention + BertSelfOutput + BertIntermediate + BertOutput, with their attribute paths."""
    def __init__(self, c):
        super().__init__()
        H, I = c["hidden_size"], c["intermediate_size"]
        self.nh = c["num_attention_heads"]
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query, self.attention.self.key, self.attention.self.value = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
        self.attention.output = nn.Module()
        self.attention.output.dense, self.attention.output.LayerNorm = nn.Linear(H, H), nn.LayerNorm(H, eps=c["layer_norm_eps"])
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(H, I)
        self.output = nn.Module()
        self.output.dense, self.output.LayerNorm = nn.Linear(I, H), nn.LayerNorm(H, eps=c["layer_norm_eps"])

    def forward(self, h, ext_mask):
        B, T, H = h.shape
        d = H // self.nh
        split = lambda x: x.view(B, T, self.nh, d).permute(0, 2, 1, 3)
        s = self.attention.self
        q, k, v = split(s.query(h)), split(s.key(h)), split(s.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + ext_mask
        ctx = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(B, T, H)
        a = self.attention.output.LayerNorm(self.attention.output.dense(ctx) + h)
        return self.output.LayerNorm(self.output.dense(gelu(self.intermediate.dense(a))) + a)


def extended_mask(mask):
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        H = c["hidden_size"]
        self.bert = nn.Module()
        self.bert.embeddings = BertLikeEmbeddings(c, H)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])
        self.bert.pooler = nn.Module()
        self.bert.pooler.dense = nn.Linear(H, H)
        self.classifier = nn.Linear(H, c["num_labels"])

    def forward(self, ids, mask, types):
        h = self.bert.embeddings(ids, types)
        m = extended_mask(mask)
        for layer in self.bert.encoder.layer:
            h = layer(h, m)
        return self.classifier(torch.tanh(self.bert.pooler.dense(h[:, 0]))), h


class Electra(nn.Module):
    def __init__(self, c):
        super().__init__()
        H, E = c["hidden_size"], c["embedding_size"]
        self.electra = nn.Module()
        self.electra.embeddings = BertLikeEmbeddings(c, E)
        self.electra.embeddings_project = nn.Linear(E, H)
        self.electra.encoder = nn.Module()
        self.electra.encoder.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])
        self.classifier = nn.Module()
        self.classifier.dense, self.classifier.out_proj = nn.Linear(H, H), nn.Linear(H, c["num_labels"])

    def forward(self, ids, mask, types):
        h = self.electra.embeddings_project(self.electra.embeddings(ids, types))
        m = extended_mask(mask)
        for layer in self.electra.encoder.layer:
            h = layer(h, m)
        return self.classifier.out_proj(gelu(self.classifier.dense(h[:, 0]))), h


class DistilLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        D, I = c["dim"], c["hidden_dim"]
        self.nh = c["n_heads"]
        self.attention = nn.Module()
        for n in ["q_lin", "k_lin", "v_lin", "out_lin"]:
            setattr(self.attention, n, nn.Linear(D, D))
        self.sa_layer_norm = nn.LayerNorm(D, eps=1e-12)
        self.ffn = nn.Module()
        self.ffn.lin1, self.ffn.lin2 = nn.Linear(D, I), nn.Linear(I, D)
        self.output_layer_norm = nn.LayerNorm(D, eps=1e-12)

    def forward(self, x, mask):
        B, T, D = x.shape
        d = D // self.nh
        split = lambda t: t.view(B, -1, self.nh, d).transpose(1, 2)
        a = self.attention
        q = split(a.q_lin(x)) / math.sqrt(d)
        scores = torch.matmul(q, split(a.k_lin(x)).transpose(2, 3))
        scores = scores.masked_fill((mask == 0).view(B, 1, 1, T).expand_as(scores), torch.finfo(torch.float32).min)
        ctx = torch.matmul(F.softmax(scores, dim=-1), split(a.v_lin(x))).transpose(1, 2).contiguous().view(B, -1, D)
        sa = self.sa_layer_norm(a.out_lin(ctx) + x)
        return self.output_layer_norm(self.ffn.lin2(gelu(self.ffn.lin1(sa))) + sa)


class DistilBert(nn.Module):
    def __init__(self, c):
        super().__init__()
        D = c["dim"]
        self.distilbert = nn.Module()
        self.distilbert.embeddings = nn.Module()
        self.distilbert.embeddings.word_embeddings = nn.Embedding(c["vocab_size"], D, padding_idx=c["pad_token_id"])
        self.distilbert.embeddings.position_embeddings = nn.Embedding(c["max_position_embeddings"], D)
        self.distilbert.embeddings.LayerNorm = nn.LayerNorm(D, eps=1e-12)
        self.distilbert.transformer = nn.Module()
        self.distilbert.transformer.layer = nn.ModuleList([DistilLayer(c) for _ in range(c["n_layers"])])
        self.pre_classifier, self.classifier = nn.Linear(D, D), nn.Linear(D, c["num_labels"])

    def forward(self, ids, mask, types):
        e = self.distilbert.embeddings
        h = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(torch.arange(ids.shape[1])[None, :]))
        for layer in self.distilbert.transformer.layer:
            h = layer(h, mask)
        return self.classifier(F.relu(self.pre_classifier(h[:, 0]))), h


CONFIGS = {
    "bert": dict(model_type="bert", vocab_size=30, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16,
                 hidden_act="gelu", max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0,
                 initializer_range=0.02, num_labels=4),
    "electra": dict(model_type="electra", vocab_size=30, embedding_size=6, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=16, hidden_act="gelu", max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12,
                    pad_token_id=0, initializer_range=0.02, num_labels=4),
    "distilbert": dict(model_type="distilbert", vocab_size=30, dim=8, n_layers=2, n_heads=2, hidden_dim=16, activation="gelu",
                       max_position_embeddings=16, sinusoidal_pos_embds=False, pad_token_id=0, initializer_range=0.02, num_labels=4),
}
MODELS = {"bert": Bert, "electra": Electra, "distilbert": DistilBert}
# Pre-training heads a hub checkpoint carries and a classifier does not use (a few, to test the report).
EXTRA = {"bert": {"cls.predictions.bias": [30]}, "electra": {"discriminator_predictions.dense_prediction.weight": [1, 8]},
         "distilbert": {"vocab_projector.bias": [30]}}
IDS = torch.tensor([[2, 7, 9, 3, 0, 0, 0], [2, 11, 29, 5, 8, 13, 3], [2, 4, 3, 0, 0, 0, 0]])
MASK = (IDS > 0).long()
TYPES = torch.tensor([[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0]])


def g(x):
    return [float("%.9g" % v) for v in x.reshape(-1).tolist()]


def build(family):
    torch.manual_seed({"bert": 1, "electra": 2, "distilbert": 3}[family])
    m = MODELS[family](CONFIGS[family]).eval()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                p.copy_((1 + 0.2 * torch.randn_like(p)) if name.endswith("weight") else 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn_like(p))
            else:
                p.copy_(0.5 * torch.randn_like(p))
            p.copy_(torch.tensor(g(p), dtype=torch.float32).view_as(p))  # exactly what the JSON holds
    return m


def main():
    out = {}
    for family in CONFIGS:
        m = build(family)
        with torch.no_grad():
            types = TYPES if family != "distilbert" else torch.zeros_like(TYPES)
            logits, hidden = m(IDS, MASK, types)
        out[family] = {
            "config": CONFIGS[family],
            "state_dict": {k: {"shape": list(v.shape), "data": g(v)} for k, v in m.state_dict().items()},
            "input_ids": IDS.tolist(), "attention_mask": MASK.tolist(), "token_type_ids": types.tolist(),
            "logits": g(logits), "logits_shape": list(logits.shape),
            "last_hidden_state": g(hidden), "last_hidden_state_shape": list(hidden.shape),
        }
    with open(os.path.join(HERE, "models.json"), "w") as f:
        json.dump({"torch": torch.__version__, "models": out}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.join(HERE, "models.json"))


def reference_state_dict(family):
    ref = json.load(open(os.path.join(HERE, "models.json")))["models"][family]["state_dict"]
    return {k: torch.tensor(v["data"], dtype=torch.float32).view(v["shape"]) for k, v in ref.items()}


def save_bin(root):
    for family in CONFIGS:
        sd = reference_state_dict(family)
        prefix = family + "."
        # A hub checkpoint as pre-training saved it: int64 position_ids buffer, a pre-training head, no classifier.
        full = {k: v for k, v in sd.items() if k.startswith(prefix)}
        full[prefix + "embeddings.position_ids"] = torch.arange(CONFIGS[family]["max_position_embeddings"])[None, :]
        for k, shape in EXTRA[family].items():
            full[k] = torch.ones(shape)
        d = os.path.join(root, family)
        os.makedirs(d, exist_ok=True)
        torch.save(full, os.path.join(d, "pretrain-zip.bin"))
        torch.save(full, os.path.join(d, "pretrain-legacy.bin"), _use_new_zipfile_serialization=False)
        # The whole classifier, with a non-contiguous (transposed) tensor and two tensors sharing one storage
        # at different offsets, which torch.save keeps as views.
        sd = dict(sd)
        head = "classifier.out_proj.weight" if family == "electra" else "classifier.weight"
        sd[head] = sd[head].t().contiguous().t()
        a, b = prefix + "embeddings.LayerNorm.weight", prefix + "embeddings.LayerNorm.bias"
        shared = torch.cat([sd[a], sd[b]])
        sd[a], sd[b] = shared[: sd[a].numel()], shared[sd[a].numel():]
        torch.save(sd, os.path.join(d, "classifier-zip.bin"))
        torch.save(sd, os.path.join(d, "classifier-legacy.bin"), _use_new_zipfile_serialization=False)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", v
        b, e = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).view(v["shape"]) if e > b else torch.zeros(v["shape"])
    return out, header.get("__metadata__")


def check(files):
    result = {}
    for path in files:
        family = os.path.basename(os.path.dirname(path))
        ref = reference_state_dict(family)
        if path.endswith(".safetensors"):
            got, meta = read_safetensors(path)
        else:
            got, meta = torch.load(path), None
        worst = max(float((got[k] - v).abs().max()) for k, v in ref.items())
        result[path] = {"max_abs_diff": worst, "missing": sorted(set(ref) - set(got)), "extra": sorted(set(got) - set(ref)), "metadata": meta}
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--save-bin":
        save_bin(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--check":
        check(sys.argv[2:])
    else:
        main()
