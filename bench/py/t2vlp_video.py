# Benchmark reference for bench/model.bench.ts: T2VLP's ViT-B/16 video path and CLIP's text tower
# built the way the original code builds them (bench/py/t2vlp_modules.py), eval mode,
# torch.no_grad, random weights (timing only), for a same-machine comparison (bench/vs-pytorch.ts);
# the product never runs Python.
#
# Protocol: argv[1] = threads. One command per stdin line, one JSON answer per stdout line:
#   "video B"   encode B videos -> {"cpu": seconds of process CPU time, "wall": seconds}
#   "text B L"  encode B captions of L tokens -> same
#   "quit"
import json, sys, time
import torch
from t2vlp_modules import CLIP, VIT_B_16, mean_pooled_video

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
torch.manual_seed(0)
c = VIT_B_16
clip = CLIP(c).eval()


def encode_video(frames):
    frame_feat, tube_feat = clip.encode_video(frames)
    return mean_pooled_video(frame_feat, torch.ones(frames.shape[0], c.numFrames, dtype=torch.long)), tube_feat


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
            inputs[key] = torch.randn(int(cmd[1]), c.numFrames, 3, c.imageResolution, c.imageResolution, generator=g)
        else:
            ids = torch.randint(1, 49000, (int(cmd[1]), int(cmd[2])), generator=g)
            ids[:, -1] = 49407  # end of text
            inputs[key] = ids
    run = encode_video if cmd[0] == "video" else clip.encode_text
    with torch.no_grad():
        c0, w0 = time.process_time(), time.perf_counter()
        run(inputs[key])
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(json.dumps({"cpu": cpu, "wall": wall}), flush=True)
