"""Fine-tuning MiniLM on the CPU and shipping it, shared by the reranker and the verdict
classifier: the optimiser loop within a time budget, and the export to int8 ONNX (the recipe of
``assistant/embedding/onnx_embedder.py``) with the tokenizer."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from tqdm import tqdm


def optimise(model, steps: int, args, loss_at, floor: float) -> dict:
    """Fine-tune ``model`` for ``steps`` steps (or until ``args.minutes`` run out): AdamW at
    ``args.lr`` with a warm-up over the first twentieth, then a linear decay to ``floor``,
    gradients clipped at 1; ``loss_at(step, bfloat16)`` gives a step's loss. Leaves the model
    in eval mode and says how far it got."""
    import torch

    from assistant.embedding import hardware_bfloat16

    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda i: min((i + 1) / warm, max(floor, 1 - i / steps))
    )
    bf16 = hardware_bfloat16()
    deadline = time.perf_counter() + args.minutes * 60
    bar = tqdm(range(steps), desc="fine-tune", unit="step")
    done = 0
    for step in bar:
        if time.perf_counter() > deadline:
            break
        loss = loss_at(step, bf16)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        done = step + 1
        bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    model.eval()
    return {"steps": done, "planned_steps": steps, "bfloat16": bf16}


def export(model, folder: Path, out: Path, max_length: int) -> Path:
    """int8 ONNX of the fine-tuned model at ``out/model.onnx`` (fused, per-channel weights,
    the feed-forward outputs kept in float, as for the embedder)."""
    import torch
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    from assistant.embedding import feed_forward_outputs
    from assistant.scoring import INPUTS

    class Logit(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).logits  # fmt: skip

    model = model.float().eval()
    sample = torch.ones((2, 8), dtype=torch.long)
    mask = sample.clone()
    mask[1, 5:] = 0
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        fp32 = Path(work) / "fp32.onnx"
        fused = Path(work) / "fused.onnx"
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Logit(model), (sample, mask, torch.zeros_like(sample)), str(fp32),
                              input_names=list(INPUTS), output_names=["logit"],
                              dynamic_axes={**axes, "logit": {0: "batch"}}, opset_version=17,
                              dynamo=False, external_data=False)  # fmt: skip
        root = logging.getLogger()
        level, handlers = root.level, list(root.handlers)
        root.setLevel(logging.ERROR)
        try:
            config = model.config
            heads, hidden = config.num_attention_heads, config.hidden_size
            optimize_model(
                str(fp32), model_type="bert", num_heads=heads, hidden_size=hidden
            ).save_model_to_file(str(fused))
            quantize_dynamic(str(fused), str(out / "model.onnx"), weight_type=QuantType.QInt8,
                             per_channel=True, nodes_to_exclude=feed_forward_outputs(fused),
                             extra_options={"DefaultTensorType": TensorProto.FLOAT})  # fmt: skip
        finally:
            root.setLevel(level)
            root.handlers[:] = handlers
    shutil.copy(folder / "tokenizer.json", out / "tokenizer.json")
    return out / "model.onnx"
