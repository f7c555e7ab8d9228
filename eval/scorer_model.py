"""The answer scorer's network: a one-hidden-layer perceptron fitted pointwise or listwise on
the feature rows, exported as the arrays ``AnswerScorer`` reads, its logits and their Platt
scaling."""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from eval.feature_rows import Scored


def _padded(arrays: list[np.ndarray], width: int):
    """[batch, longest, width] of rows, and the mask of the real ones."""
    longest = max(len(a) for a in arrays)
    x = np.zeros((len(arrays), longest, width), np.float32)
    mask = np.zeros((len(arrays), longest), bool)
    for i, a in enumerate(arrays):
        x[i, : len(a)] = a
        mask[i, : len(a)] = True
    return x, mask


def fit_listwise(items: list[Scored], hidden: int, epochs: int, seed: int, batch: int = 32):
    """The MLP trained on whole pools: a listwise loss (the evidence's share of the softmax
    over every sentence of its document) ranks, and a pointwise loss over the same sentences
    and the other document's (all negatives) keeps the scores' level comparable across
    documents, which is what the decline bar reads."""
    import torch

    torch.manual_seed(seed)
    every = np.concatenate([s.rows for s in items] + [s.negatives() for s in items])
    mean, scale = every.mean(axis=0), every.std(axis=0) + 1e-3
    width = every.shape[1]
    model = torch.nn.Sequential(
        torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(hidden, 1),
    )  # fmt: skip
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    positives = sum(float(s.labels.sum()) for s in items)
    negatives = sum(len(s.labels) + len(s.negatives()) for s in items) - positives
    pos_weight = torch.tensor(negatives / max(positives, 1.0))
    order = np.random.default_rng(seed)
    for _ in tqdm(range(epochs), desc="fit", unit="epoch", leave=False):
        model.train()
        perm = order.permutation(len(items))
        for at in range(0, len(items), batch):
            group = [items[i] for i in perm[at : at + batch]]
            own, mask = _padded([(s.rows - mean) / scale for s in group], width)
            lab, _ = _padded([s.labels[:, None] for s in group], 1)
            other, omask = _padded([(s.negatives() - mean) / scale for s in group], width)
            own_t, mask_t = torch.from_numpy(own), torch.from_numpy(mask)
            lab_t = torch.from_numpy(lab[..., 0])
            z = model(own_t)[..., 0]
            zo = model(torch.from_numpy(other))[..., 0]
            low = torch.finfo(z.dtype).min
            everything = torch.logsumexp(torch.where(mask_t, z, low), dim=1)
            evidence = torch.logsumexp(torch.where(mask_t & (lab_t > 0), z, low), dim=1)
            listwise = (everything - evidence).mean()
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            w = mask_t.float() * torch.where(lab_t > 0, pos_weight, 1.0)
            pointwise = (bce(z, lab_t, reduction="none") * w).sum() / w.sum()
            wo = torch.from_numpy(omask).float()
            pointwise_other = (
                bce(zo, torch.zeros_like(zo), reduction="none") * wo
            ).sum() / wo.sum()
            loss = listwise + pointwise + pointwise_other
            opt.zero_grad()
            loss.backward()
            opt.step()
    return _exported(model, mean, scale)


def _exported(model, mean: np.ndarray, scale: np.ndarray) -> dict:
    """The trained network as the arrays ``AnswerScorer`` reads (weights as input x output)."""
    import torch

    model.eval()
    layers = [m for m in model if isinstance(m, torch.nn.Linear)]
    weights = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in layers]
    return {"mean": mean, "scale": scale, "layers": weights}


def fit(x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, seed: int):
    import torch

    torch.manual_seed(seed)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    xt = torch.from_numpy((x - mean) / scale)
    yt = torch.from_numpy(y)
    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(hidden, 1),
    )
    pos_weight = torch.tensor((len(y) - y.sum()) / max(y.sum(), 1.0))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-3)
    for _ in tqdm(range(epochs), desc="fit", unit="epoch", leave=False):
        perm = torch.randperm(len(yt))
        model.train()
        for i in range(0, len(perm), 512):
            idx = perm[i : i + 512]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx])[:, 0], yt[idx])
            loss.backward()
            opt.step()
    return _exported(model, mean, scale)


def logits(params, x: np.ndarray) -> np.ndarray:
    h = (x - params["mean"]) / params["scale"]
    for i, (w, b) in enumerate(params["layers"]):
        h = h @ w + b
        if i < len(params["layers"]) - 1:
            h = np.maximum(h, 0.0)
    return h[:, 0]


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """a, b minimising the log loss of sigmoid(a z + b) (Newton's method)."""
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * z + b)))
        g = np.array([np.sum((p - y) * z), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        h = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]])
        step = np.linalg.solve(h + 1e-6 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)
