# The stage-1 T2VLP network built the way the original code builds it, shared by the benchmark
# references bench/py/t2vlp_video.py (inference) and bench/py/t2vlp_train_step.py (training step).
# CLIP's ResidualAttentionBlock: plain nn.MultiheadAttention, sequence-first [L, N, W],
# fp32-casting LayerNorm subclass, QuickGELU module, mlp = Sequential(c_fc, gelu, c_proj); the text
# mask built per block by a function. The visual path follows docs/ARCHITECTURE.md "Visual tower"
# and "Tube tokens": the first layers - joint blocks per frame, the last joint blocks over the
# frames of a video jointly, ln_post @ proj on every token (the original's cost; t2vlp projects
# only the class tokens it reads), tube tokens from the per-frame blocks' output through the tube
# encoder. Attribute names are t2vlp's checkpoint keys under `clip.` (docs/STYLE.md), so parameter
# groups are chosen by the same names on both sides. Random weights; bench-only, the product never
# runs Python.
import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Config:
    """Sizes, named as in src/model/configs/vit-b-16.json; heads = width / 64 as in CLIP unless given."""
    embedDim: int = 512
    imageResolution: int = 224
    visionLayers: int = 12
    visionWidth: int = 768
    visionPatchSize: int = 16
    contextLength: int = 77
    vocabSize: int = 49408
    textWidth: int = 512
    textHeads: int = 8
    textLayers: int = 12
    numFrames: int = 12
    jointLayers: int = 2
    numCenters: int = 8
    tubeLayers: int = 2

    @property
    def visionHeads(self):
        return max(1, self.visionWidth // 64)


VIT_B_16 = Config()
# A few-second configuration for checking the scripts: the same code paths, small widths,
# 2 frames of 32 px (4 patches each).
TINY = Config(embedDim=32, imageResolution=32, visionLayers=2, visionWidth=64, textWidth=64, textHeads=2,
              textLayers=2, numFrames=2, jointLayers=1, numCenters=2, tubeLayers=1)


class LayerNorm(nn.LayerNorm):
    def forward(self, x):
        orig = x.dtype
        return super().forward(x.type(torch.float32)).type(orig)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d, heads, attn_mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1 = LayerNorm(d)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(d, d * 4)), ("gelu", QuickGELU()), ("c_proj", nn.Linear(d * 4, d))]))
        self.ln_2 = LayerNorm(d)
        self.attn_mask = attn_mask

    def attention(self, x):
        mask = self.attn_mask
        if mask is not None and callable(mask):
            mask = mask(x.size(0))
        mask = mask.to(dtype=x.dtype, device=x.device) if mask is not None else None
        return self.attn(x, x, x, need_weights=False, attn_mask=mask)[0]

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, attn_mask=None):
        super().__init__()
        self.resblocks = nn.ModuleList([ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])


class VisualTransformer(nn.Module):
    def __init__(self, c, layers):
        super().__init__()
        w, s = c.visionWidth, c.visionWidth ** -0.5
        self.c = c
        self.conv1 = nn.Conv2d(3, w, c.visionPatchSize, c.visionPatchSize, bias=False)
        self.class_embedding = nn.Parameter(s * torch.randn(w))
        self.positional_embedding = nn.Parameter(s * torch.randn((c.imageResolution // c.visionPatchSize) ** 2 + 1, w))
        self.ln_pre = LayerNorm(w)
        self.transformer = Transformer(w, layers, c.visionHeads)
        self.ln_post = LayerNorm(w)
        self.proj = nn.Parameter(s * torch.randn(w, c.embedDim))

    def forward(self, x):  # [BT, 3, H, W]
        T, split = self.c.numFrames, len(self.transformer.resblocks) - self.c.jointLayers
        x = self.conv1(x)  # [BT, W, g, g]
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        zeros = torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([self.class_embedding.to(x.dtype) + zeros, x], dim=1)
        x = self.ln_pre(x + self.positional_embedding.to(x.dtype))
        x = x.permute(1, 0, 2)  # NLD -> LND
        n, bt, w = x.shape
        for i, block in enumerate(self.transformer.resblocks):
            if i == split:  # frames of a video -> one sequence
                middle = x.permute(1, 0, 2)  # [BT, n, W]
                x = middle.reshape(bt // T, T * n, w).permute(1, 0, 2)  # [T*n, B, W]
            x = block(x)
        x = x.permute(1, 0, 2).reshape(bt, n, w)  # LND -> NLD, back to frames
        return self.ln_post(x) @ self.proj, middle


def build_attention_mask(length):
    mask = torch.zeros(length, length)
    mask.fill_(float("-inf"))
    mask.triu_(1)
    return mask


class CLIP(nn.Module):
    """The `clip.` network of a stage-1 model (src/model/clip.ts)."""

    def __init__(self, c=VIT_B_16):
        super().__init__()
        self.c = c
        self.visual = VisualTransformer(c, c.visionLayers)
        self.local_visual = VisualTransformer(c, c.tubeLayers)  # the tube encoder
        self.transformer = Transformer(c.textWidth, c.textLayers, c.textHeads, build_attention_mask)
        self.token_embedding = nn.Embedding(c.vocabSize, c.textWidth)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(c.contextLength, c.textWidth))
        self.ln_final = LayerNorm(c.textWidth)
        self.text_projection = nn.Parameter(c.textWidth ** -0.5 * torch.randn(c.textWidth, c.embedDim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.fusion_center = nn.Parameter(c.visionWidth ** -0.5 * torch.randn(1, 1, c.numCenters, c.visionWidth))
        self.fusion_proj_center = nn.Linear(c.visionWidth, c.embedDim)
        self.lm_head = nn.Linear(c.textWidth, c.embedDim)  # unused in stage 1, as in the reference

    def encode_video(self, frames):  # [B, T, 3, R, R]
        """Raw frame features [B, T, E] and tube tokens [B, K, E]."""
        c, B = self.c, frames.shape[0]
        T, K, W, R = c.numFrames, c.numCenters, c.visionWidth, c.imageResolution
        hidden, middle = self.visual(frames.reshape(B * T, 3, R, R))
        frame_feat = hidden[:, 0, :].reshape(B, T, -1)
        tokens = middle.reshape(B, T, -1, W)
        regions = tokens[:, :, 1:, :]
        assign = torch.softmax(self.fusion_center @ regions.transpose(-1, -2), dim=-1)  # [B, T, K, N]
        tubes = (assign @ regions).permute(0, 2, 1, 3)  # [B, K, T, W]
        head = tokens[:, :, 0, :].mean(1).reshape(B, 1, 1, W).expand(B, K, 1, W)
        y = torch.cat([head, tubes], 2).reshape(B * K, T + 1, W).permute(1, 0, 2)  # LND
        for block in self.local_visual.transformer.resblocks:
            y = block(y)
        lv = self.local_visual
        tube_feat = (lv.ln_post(y[0]) @ lv.proj).reshape(B, K, -1)
        return frame_feat, tube_feat

    def encode_text(self, text):  # [B, L] int64
        """The end-of-text embedding (L2-normalised) [B, E] and every token's feature [B, L, E]."""
        x = self.token_embedding(text) + self.positional_embedding[: text.size(1), :]
        x = x.permute(1, 0, 2)
        for block in self.transformer.resblocks:
            x = block(x)
        x = self.ln_final(x.permute(1, 0, 2))
        hidden = x @ self.text_projection
        eot = hidden[torch.arange(hidden.shape[0]), text.argmax(dim=-1)]
        return eot / eot.norm(dim=-1, keepdim=True), hidden


def mean_pooled_video(frame_feat, video_mask):
    """meanP (docs/ARCHITECTURE.md "Similarity (meanP)"): normalise frames, masked mean, normalise."""
    f = frame_feat / frame_feat.norm(dim=-1, keepdim=True)
    m = video_mask.to(f.dtype).unsqueeze(-1)  # [B, T, 1]
    v = (f * m).sum(1) / m.sum(1).clamp(min=1)
    return v / v.norm(dim=-1, keepdim=True)
