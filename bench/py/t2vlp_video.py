# Benchmark reference: the ViT-B/16 video path of T2VLP written directly in PyTorch (12 frames,
# 224 px, joint attention in the last 2 blocks, tube tokens), float32, no grad, batch 4.
# Used only by bench/model.bench.ts for a same-machine comparison; the product never runs Python.
import sys, time, torch
from torch import nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
W, E, T, K = 768, 512, 12, 8

class Block(nn.Module):
    def __init__(s, w, h):
        super().__init__()
        s.attn = nn.MultiheadAttention(w, h, batch_first=True)
        s.ln_1, s.ln_2 = nn.LayerNorm(w), nn.LayerNorm(w)
        s.c_fc, s.c_proj = nn.Linear(w, 4 * w), nn.Linear(4 * w, w)
    def forward(s, x):
        h = s.ln_1(x)
        x = x + s.attn(h, h, h, need_weights=False)[0]
        h = s.c_fc(s.ln_2(x))
        return x + s.c_proj(h * torch.sigmoid(1.702 * h))

class Video(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(3, W, 16, 16, bias=False)
        s.cls, s.pos = nn.Parameter(torch.randn(W)), nn.Parameter(torch.randn(197, W))
        s.ln_pre, s.ln_post, s.ln_tube = nn.LayerNorm(W), nn.LayerNorm(W), nn.LayerNorm(W)
        s.blocks = nn.ModuleList([Block(W, 12) for _ in range(12)])
        s.tube = nn.ModuleList([Block(W, 12) for _ in range(2)])
        s.proj, s.tproj = nn.Parameter(torch.randn(W, E)), nn.Parameter(torch.randn(W, E))
        s.center = nn.Parameter(torch.randn(1, 1, K, W))
    def forward(s, f):
        B = f.shape[0] // T
        x = s.conv1(f).flatten(2).transpose(1, 2)
        x = torch.cat([s.cls.expand(x.shape[0], 1, W), x], 1) + s.pos
        x = s.ln_pre(x)
        for b in s.blocks[:10]: x = b(x)
        mid = x
        x = x.reshape(B, T * 197, W)
        for b in s.blocks[10:]: x = b(x)
        frames = (s.ln_post(x.reshape(B * T, 197, W)[:, 0]) @ s.proj).reshape(B, T, E)
        reg = mid.reshape(B, T, 197, W)[:, :, 1:]
        tubes = (torch.softmax(s.center @ reg.transpose(-1, -2), -1) @ reg).permute(0, 2, 1, 3)
        head = mid.reshape(B, T, 197, W)[:, :, 0].mean(1).reshape(B, 1, 1, W).expand(B, K, 1, W)
        y = torch.cat([head, tubes], 2).reshape(B * K, T + 1, W)
        for b in s.tube: y = b(y)
        return frames, s.ln_tube(y[:, 0]) @ s.tproj

m = Video().eval()
frames = torch.randn(4 * T, 3, 224, 224)
with torch.no_grad():
    m(frames)
    ts = []
    for _ in range(2):
        t0 = time.perf_counter(); m(frames); ts.append(time.perf_counter() - t0)
print(f"batch4 {sorted(ts)[len(ts)//2] / 4:.3f}")
