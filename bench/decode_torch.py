#!/usr/bin/env python3
"""DECODE's net (localization/nets/decode/net.h) in PyTorch, timed on the CPU the way
bench/decode_bench.cpp times smlm's, and the same net exported to ONNX Runtime:
  - inference frames/s on 64x64 and 256x256 frames, input (N, 3, H, W) (frames t-1, t, t+1 per
    output frame), one frame per forward and DecodeLocalizer's 8;
  - training steps/s at batch 16 of 32x32 samples: forward, the pixel-GMM loss of
    kernels/nn/pixel_gmm.h, backward, gradient clipping at 0.03, AdamW (lr 6e-4, weight decay 0.1),
    on one fixed random batch (compare with BM_DecodeTrainStepFixedData);
for the CLI's width 16 and the published width 48 (depth 2, ELU, 2D heads: 8 output channels).
Usage: python3 bench/decode_torch.py [threads [repeats]]   (default 2 threads, best of 3 runs)
PyTorch rows skip without torch, ONNX Runtime rows without onnxruntime (pip install torch onnx
onnxruntime); the script itself needs torch to build the nets."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import onnx_rate, ort, rate, torch, versions  # noqa: E402

if torch is None:
    print("decode_torch: PyTorch is not installed (pip install torch); skipped")
    sys.exit(0)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DEPTH, FRAMES, DIMS = 2, 3, 3


def conv(cin, cout, k=3, stride=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2 if stride == 1 else 0)]
    return layers + [nn.ELU()] if act else layers


def double_conv(cin, cout):
    return nn.Sequential(*conv(cin, cout), *conv(cout, cout))


class UNet(nn.Module):
    """net.cpp's Builder::unet: per level [3x3 conv + ELU]x2, 2x2 stride-2 conv + ELU; bottom
    [3x3 conv + ELU]x2; up: nearest x2, 3x3 conv + ELU, concat (skip first), [3x3 conv + ELU]x2."""

    def __init__(self, cin, width, depth):
        super().__init__()
        self.down, self.pool, self.up, self.merge = (nn.ModuleList() for _ in range(4))
        ch = cin
        for lvl in range(depth):
            self.down.append(double_conv(ch, width << lvl))
            ch = width << lvl
            self.pool.append(nn.Sequential(*conv(ch, ch, 2, 2)))
        self.bottom = double_conv(ch, width << depth)
        ch = width << depth
        for lvl in reversed(range(depth)):
            self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                         *conv(ch, width << lvl)))
            self.merge.append(double_conv(2 * (width << lvl), width << lvl))
            ch = width << lvl

    def forward(self, x):
        skips = []
        for down, pool in zip(self.down, self.pool):
            x = down(x)
            skips.append(x)
            x = pool(x)
        x = self.bottom(x)
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat([skips.pop(), up(x)], 1))
        return x


class DecodeNet(nn.Module):
    """The frame U-Net on each frame (shared weights, the frames as a batch), the union U-Net on
    their concatenated features, four heads (3x3 conv + ELU, 1x1 conv): p, mu (D), sigma (D), bg."""

    def __init__(self, width, depth=DEPTH, frames=FRAMES, dims=DIMS):
        super().__init__()
        self.frame_net = UNet(1, width, depth)
        self.union_net = UNet(frames * width, width, depth)
        self.heads = nn.ModuleList(nn.Sequential(*conv(width, width), *conv(width, c, 1, act=False))
                                   for c in (1, dims, dims, 1))

    def forward(self, x):
        n, f, h, w = x.shape
        y = self.frame_net(x.reshape(n * f, 1, h, w))
        y = self.union_net(y.reshape(n, f * y.shape[1], h, w))
        return torch.cat([head(y) for head in self.heads], 1)


def pixel_gmm_loss(out, targets, counts, bg_target, dims=DIMS):
    """kernels/nn/pixel_gmm.h: mean over the batch of count + localization + background terms,
    the heads as kernels/nn/pixel_gmm_math.h reads them. targets (n, M, D), counts (n,) whole
    numbers <= M, bg_target (n, h, w)."""
    n, _, h, w = out.shape
    o = out.flatten(2)  # (n, C, K)
    p = torch.sigmoid(o[:, 0])
    P = p.sum(1)
    V = (p * (1 - p)).sum(1) + 1e-3
    count = counts * (0.5 * torch.log(2 * math.pi * V) + (counts - P) ** 2 / (2 * V))
    rows, cols = torch.meshgrid(torch.arange(h, dtype=out.dtype), torch.arange(w, dtype=out.dtype),
                                indexing="ij")
    mu = torch.stack([torch.sigmoid(o[:, 1]), cols.flatten() + torch.tanh(o[:, 2]),
                      rows.flatten() + torch.tanh(o[:, 3])], 1)  # (n, D, K)
    sigma = 3 * torch.sigmoid(o[:, 1 + dims:1 + 2 * dims]) + 1e-3
    log_w = F.logsigmoid(o[:, 0]) - torch.log(P)[:, None]  # log p_k / P
    z = (targets[..., None] - mu[:, None]) / sigma[:, None]  # (n, M, D, K)
    log_n = -(0.5 * z * z + torch.log(sigma)[:, None] + 0.5 * math.log(2 * math.pi)).sum(2)
    log_z = torch.logsumexp(log_n + log_w[:, None], 2)  # (n, M)
    used = torch.arange(targets.shape[1])[None] < counts[:, None]
    local = -(log_z * used).sum(1)
    back = ((torch.sigmoid(o[:, 1 + 2 * dims]) - bg_target.flatten(1)) ** 2).sum(1)
    return (count + local + back).mean()


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print(f"{versions()}, {threads} threads, best of {repeats}")
    if ort is None:
        print("onnxruntime is not installed (pip install onnx onnxruntime): its rows skipped")
    shapes = ((64, 1), (64, 8), (256, 1), (256, 8))
    for width in (16, 48):
        net = DecodeNet(width).eval()
        for side, batch in shapes:
            if width == 48 and side == 256 and batch == 8:
                continue  # ~10 s a call on 2 cores: the batch-1 row says the same
            x = torch.rand(batch, FRAMES, side, side)
            with torch.no_grad():
                r = batch * rate(lambda: net(x), 2.0, repeats)
            line = f"width {width} inference {side}x{side} x{batch}: torch {r:.3f} frames/s"
            if ort is not None:
                line += f", onnxruntime {batch * onnx_rate(net, x, threads, 2.0, repeats):.3f}"
            print(line, flush=True)
    n, patch, slots, emitters = 16, 32, 16, 10
    for width in (16, 48):
        net = DecodeNet(width).train()
        opt = torch.optim.AdamW(net.parameters(), lr=6e-4, weight_decay=0.1)
        x = torch.rand(n, FRAMES, patch, patch)
        targets = torch.rand(n, slots, DIMS) * (patch - 1)
        targets[..., 0] = 0.1 + 0.8 * torch.rand(n, slots)
        counts = torch.full((n,), float(emitters))
        bg = 0.2 + 0.3 * torch.rand(n, patch, patch)

        def step():
            opt.zero_grad()
            loss = pixel_gmm_loss(net(x), targets, counts, bg)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 0.03)
            opt.step()

        r = rate(step, 3.0, repeats)
        print(f"width {width} training (batch {n}, {patch}x{patch}): torch {r:.3f} steps/s",
              flush=True)


if __name__ == "__main__":
    main()
