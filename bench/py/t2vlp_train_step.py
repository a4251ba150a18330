# Benchmark reference for bench/train-step-vs-pytorch.bench.ts: one stage-1 training step the way
# the original code runs it, on the network of bench/py/t2vlp_modules.py in train mode with
# autograd: the stage-1 objective as t2vlp computes it (src/model/t2vlp.ts stage1Loss,
# src/model/losses.ts; docs/TRAINING.md "Objectives"): sim = (CE(S) + CE(Sᵀ)) / 2 over
# S = exp(logit_scale) · text · videoᵀ (meanP video), plus align = MSE(text centers, tube tokens);
# loss.backward(); clip_grad_norm_(parameters, 1.0); BertAdam (docs/TRAINING.md "Optimizer:
# BERT-style Adam", written below) over the parameter groups of src/train/param-groups.ts with the
# stage-1 preset's rates (docs/TRAINING.md "Parameter groups"); the logit-scale clamp to log(100);
# zero_grad. The learning-rate schedule is left at 1, as the t2vlp bench runs it (lrScale 1).
# Random weights; bench-only, the product never runs Python.
#
# Usage: t2vlp_train_step.py [--threads N] [--batch B] [--steps S] [--warmup W] [--tiny] [--check]
#                            [--config JSON]   (sizes named as in src/model/configs/vit-b-16.json)
#                            [--dump DIR]      (for bench/train-step-parity.ts, below)
# Prints one JSON line: {"cpu": [s per timed step], "wall": [...], "loss", "peak_rss_bytes"
# (getrusage ru_maxrss), "vmhwm_bytes" and "base_rss_bytes" (/proc/self/status VmHWM, and VmRSS once
# the model and batch exist), "threads", "torch", "config"}. --tiny: TINY sizes (seconds). --check:
# also verifies that the loss is finite, that exactly the parameters the objective reaches have
# non-zero gradients, that every one of them changes in the step and the others do not, and that
# logit_scale ends at most log(100); exits 1 when a check fails. --dump DIR: writes DIR/weights.pt
# (the initial `clip.*` state dict) and DIR/reference.pt (the batch's video and input_ids, the
# first step's loss, and every parameter after it as `after.clip.*`), torch.save format, so that
# bench/train-step-parity.ts can run t2vlp's step on the same weights and batch and compare.
import argparse, json, math, os, resource, sys, time
from dataclasses import asdict, fields, replace

import torch
import torch.nn.functional as F
from t2vlp_modules import CLIP, TINY, VIT_B_16, mean_pooled_video

# src/train/presets.ts: the stage-1 preset.
LR, COEF_LR, NEW_MODULE_LR, WEIGHT_DECAY, MAX_GRAD_NORM = 1e-4, 1e-3, 1e-5, 0.2, 1.0
NEW_MODULE_PATTERNS = ("fusion", "local")
NO_DECAY = ("bias", "LayerNorm.bias", "LayerNorm.weight")
LOGIT_SCALE_MAX = math.log(100)
CAPTION_TOKENS = 32
# Parameters stage 1 never reaches (no gradient): the tube encoder's embedding layers, lm_head.
UNUSED = ("local_visual.conv1.", "local_visual.class_embedding", "local_visual.positional_embedding",
          "local_visual.ln_pre.", "lm_head.")


class BertAdam(torch.optim.Optimizer):
    """The reference's modules/optimization.py rule: per-parameter clip, moments without bias
    correction, weight decay added to the update, p -= lr * update."""

    def __init__(self, params, lr, b1=0.9, b2=0.98, e=1e-6, weight_decay=0.01, max_grad_norm=1.0):
        super().__init__(params, dict(lr=lr, b1=b1, b2=b2, e=e, weight_decay=weight_decay, max_grad_norm=max_grad_norm))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["next_m"] = torch.zeros_like(p)
                    state["next_v"] = torch.zeros_like(p)
                next_m, next_v = state["next_m"], state["next_v"]
                if group["max_grad_norm"] > 0:
                    torch.nn.utils.clip_grad_norm_(p, group["max_grad_norm"])
                grad = p.grad
                next_m.mul_(group["b1"]).add_(grad, alpha=1 - group["b1"])
                next_v.mul_(group["b2"]).addcmul_(grad, grad, value=1 - group["b2"])
                update = next_m / (next_v.sqrt() + group["e"])
                if group["weight_decay"] > 0.0:
                    update += group["weight_decay"] * p
                p.add_(-(group["lr"] * update))  # lr × schedule(progress); the schedule is 1 here
                state["step"] += 1


def parameter_groups(clip):
    """src/train/param-groups.ts for the stage-1 preset (no frozen layers), in the same order."""
    groups = {}
    for n, p in clip.named_parameters():
        name = "clip." + n
        decay = not any(s in name for s in NO_DECAY)
        new = any(s in name for s in NEW_MODULE_PATTERNS)
        kind = ("new" if new else "clip") + ("-decay" if decay else "-no_decay")
        g = groups.setdefault(kind, {"params": [], "lr": NEW_MODULE_LR if new else LR * COEF_LR,
                                     "weight_decay": WEIGHT_DECAY if decay else 0.0, "name": kind})
        g["params"].append(p)
    return list(groups.values())


def stage1_loss(clip, video, video_mask, input_ids, attention_mask):
    """src/model/t2vlp.ts stage1Loss in one process: contrastive + align."""
    frame_feat, tubes = clip.encode_video(video)
    text_emb, tokens = clip.encode_text(input_ids)
    video_emb = mean_pooled_video(frame_feat, video_mask)
    sim = (text_emb @ video_emb.t()) * clip.logit_scale.exp()
    target = torch.arange(sim.shape[0])
    contrastive = (F.cross_entropy(sim, target) + F.cross_entropy(sim.t(), target)) / 2
    c = clip.c
    centers = clip.fusion_proj_center(clip.fusion_center.reshape(c.numCenters, -1))  # [K, E]
    logits = centers @ tokens.transpose(1, 2)  # [B, K, L]
    invalid = (attention_mask.float() < 0.5).reshape(tokens.shape[0], 1, -1)
    text_centers = logits.masked_fill(invalid, float("-inf")).softmax(-1) @ tokens  # [B, K, E]
    align = F.mse_loss(text_centers, tubes)
    return contrastive + align


def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--dump", help="directory for weights.pt and reference.pt (see the header)")
    ap.add_argument("--config", help="JSON sizes over ViT-B/16 (or TINY); t2vlp's other keys are ignored")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = TINY if a.tiny else VIT_B_16
    if a.config:
        given = json.loads(a.config)
        if given.get("maskPaddedFrames") or given.get("fusion") or given.get("crossLayers"):
            sys.exit(f"t2vlp_train_step.py: --config asks for maskPaddedFrames, fusion or crossLayers, which this stage-1 reference does not build: {a.config}")
        c = replace(c, **{f.name: given[f.name] for f in fields(c) if f.name in given})
    clip = CLIP(c).train()
    optimizer = BertAdam(parameter_groups(clip), lr=LR, b1=0.9, b2=0.98, e=1e-6, max_grad_norm=MAX_GRAD_NORM)
    B, R = a.batch, c.imageResolution
    video = torch.randn(B, c.numFrames, 3, R, R)
    video_mask = torch.ones(B, c.numFrames, dtype=torch.long)
    input_ids = torch.randint(1, 49000, (B, CAPTION_TOKENS))
    attention_mask = torch.ones(B, CAPTION_TOKENS, dtype=torch.long)
    base_rss = rss("VmRSS")
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        torch.save({"clip." + n: p.detach().clone() for n, p in clip.named_parameters()}, os.path.join(a.dump, "weights.pt"))
    before = {n: p.detach().clone() for n, p in clip.named_parameters()} if a.check else None
    problems, cpu, wall, loss_value = [], [], [], float("nan")
    for i in range(a.warmup + a.steps):
        c0, w0 = time.process_time(), time.perf_counter()
        loss = stage1_loss(clip, video, video_mask, input_ids, attention_mask)
        loss.backward()
        loss_value = loss.item()
        if a.check and i == 0:
            problems += check_gradients(clip, loss_value)
        torch.nn.utils.clip_grad_norm_(clip.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        torch.clamp_(clip.logit_scale.data, max=LOGIT_SCALE_MAX)
        optimizer.zero_grad(set_to_none=True)
        if a.check and i == 0:
            problems += check_update(clip, before)
        if a.dump and i == 0:
            ref = {"video": video, "input_ids": input_ids, "loss": torch.tensor(loss_value)}
            ref.update({"after.clip." + n: p.detach().clone() for n, p in clip.named_parameters()})
            torch.save(ref, os.path.join(a.dump, "reference.pt"))
        if i >= a.warmup:
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    out = {"cpu": cpu, "wall": wall, "loss": loss_value,
           "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
           "vmhwm_bytes": rss("VmHWM"), "base_rss_bytes": base_rss,
           "threads": torch.get_num_threads(), "torch": torch.__version__, "config": asdict(c)}
    if a.check:
        out["problems"] = problems
    print(json.dumps(out), flush=True)
    if problems:
        sys.exit(1)


def check_gradients(clip, loss_value):
    problems = [] if math.isfinite(loss_value) else [f"loss is {loss_value}"]
    for n, p in clip.named_parameters():
        unused = n.startswith(UNUSED)
        if unused and p.grad is not None:
            problems.append(f"{n}: has a gradient, but stage 1 does not reach it")
        elif not unused and (p.grad is None or not torch.isfinite(p.grad).all() or p.grad.abs().sum() == 0):
            problems.append(f"{n}: gradient missing, zero or not finite")
    return problems


def check_update(clip, before):
    problems = []
    for n, p in clip.named_parameters():
        changed = not torch.equal(p.detach(), before[n])
        if not changed and p.numel() == 1:
            continue  # CLIP's lr 1e-7 may move a scalar (logit_scale, 2.66) by less than half a float32 ulp
        if changed == n.startswith(UNUSED):
            problems.append(f"{n}: {'changed' if changed else 'unchanged'} after the step")
        if p.grad is not None:
            problems.append(f"{n}: gradient left after zero_grad")
    if clip.logit_scale.item() > LOGIT_SCALE_MAX:
        problems.append(f"logit_scale {clip.logit_scale.item()} above log(100) after the clamp")
    return problems


if __name__ == "__main__":
    main()
