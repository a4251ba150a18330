# Benchmark reference: T2VLP's ViT-B/16 video path and CLIP's text tower built the way the original
# code builds them (CLIP's ResidualAttentionBlock: plain nn.MultiheadAttention, sequence-first
# [L, N, W], fp32-casting LayerNorm subclass, QuickGELU module, mlp = Sequential(c_fc, gelu, c_proj);
# the text mask built per block by a function; eval mode, torch.no_grad). The visual path follows
# docs/ARCHITECTURE.md "Visual tower" and "Tube tokens": 12 frames, blocks 0-9 per frame, 10-11 over
# the 12 frames jointly, ln_post @ proj on every token, tube tokens from the blocks-0-9 output through
# the 2-block tube encoder. Random weights (timing only). Used only by bench/model.bench.ts for a
# same-machine comparison; the product never runs Python.
#
# Protocol: argv[1] = threads. One command per stdin line, one JSON answer per stdout line:
#   "video B"   encode B videos -> {"cpu": seconds of process CPU time, "wall": seconds}
#   "text B L"  encode B captions of L tokens -> same
#   "quit"
import json, sys, time
from collections import OrderedDict
import torch
from torch import nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
torch.manual_seed(0)
WV, WT, E, T, K, CTX = 768, 512, 512, 12, 8, 77


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
    def __init__(self, layers):
        super().__init__()
        s = WV ** -0.5
        self.conv1 = nn.Conv2d(3, WV, 16, 16, bias=False)
        self.class_embedding = nn.Parameter(s * torch.randn(WV))
        self.positional_embedding = nn.Parameter(s * torch.randn(197, WV))
        self.ln_pre = LayerNorm(WV)
        self.transformer = Transformer(WV, layers, 12)
        self.ln_post = LayerNorm(WV)
        self.proj = nn.Parameter(s * torch.randn(WV, E))

    def forward(self, x, split=10):
        x = self.conv1(x)  # [BT, W, 14, 14]
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


class Video(nn.Module):
    def __init__(self):
        super().__init__()
        self.visual = VisualTransformer(12)
        self.local_visual = VisualTransformer(2)
        self.fusion_center = nn.Parameter(WV ** -0.5 * torch.randn(1, 1, K, WV))

    def forward(self, frames):  # [B, T, 3, 224, 224]
        B = frames.shape[0]
        hidden, middle = self.visual(frames.reshape(B * T, 3, 224, 224))
        frame_feat = hidden[:, 0, :].reshape(B, T, -1)
        tokens = middle.reshape(B, T, 197, WV)
        regions = tokens[:, :, 1:, :]
        assign = torch.softmax(self.fusion_center @ regions.transpose(-1, -2), dim=-1)  # [B, T, K, N]
        tubes = (assign @ regions).permute(0, 2, 1, 3)  # [B, K, T, W]
        head = tokens[:, :, 0, :].mean(1).reshape(B, 1, 1, WV).expand(B, K, 1, WV)
        y = torch.cat([head, tubes], 2).reshape(B * K, T + 1, WV).permute(1, 0, 2)  # LND
        for block in self.local_visual.transformer.resblocks:
            y = block(y)
        lv = self.local_visual
        tube_feat = (lv.ln_post(y[0]) @ lv.proj).reshape(B, K, -1)
        video = frame_feat / frame_feat.norm(dim=-1, keepdim=True)
        video = video.mean(1)
        return video / video.norm(dim=-1, keepdim=True), tube_feat


def build_attention_mask(length):
    mask = torch.zeros(length, length)
    mask.fill_(float("-inf"))
    mask.triu_(1)
    return mask


class Text(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(49408, WT)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(CTX, WT))
        self.transformer = Transformer(WT, 12, 8, build_attention_mask)
        self.ln_final = LayerNorm(WT)
        self.text_projection = nn.Parameter(WT ** -0.5 * torch.randn(WT, E))

    def forward(self, text):
        x = self.token_embedding(text) + self.positional_embedding[: text.size(1), :]
        x = x.permute(1, 0, 2)
        for block in self.transformer.resblocks:
            x = block(x)
        x = self.ln_final(x.permute(1, 0, 2))
        hidden = x @ self.text_projection
        eot = hidden[torch.arange(hidden.shape[0]), text.argmax(dim=-1)]
        return eot / eot.norm(dim=-1, keepdim=True), hidden


video, text = Video().eval(), Text().eval()
inputs = {}
print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
for line in sys.stdin:
    cmd = line.split()
    if not cmd or cmd[0] == "quit":
        break
    key = tuple(cmd)
    if key not in inputs:
        g = torch.Generator().manual_seed(1)
        if cmd[0] == "video":
            inputs[key] = torch.randn(int(cmd[1]), T, 3, 224, 224, generator=g)
        else:
            ids = torch.randint(1, 49000, (int(cmd[1]), int(cmd[2])), generator=g)
            ids[:, -1] = 49407  # end of text
            inputs[key] = ids
    model = video if cmd[0] == "video" else text
    with torch.no_grad():
        c0, w0 = time.process_time(), time.perf_counter()
        model(inputs[key])
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(json.dumps({"cpu": cpu, "wall": wall}), flush=True)
