#!/usr/bin/env python3
"""BGNet's U-Net (localization/nets/bgnet/net.h) in PyTorch, timed on the CPU the way
bench/bgnet_bench.cpp times smlm's, and the same net through ONNX Runtime:
  - inference ROIs/s: batches of 64 and 512 ROIs of 16x16 px, and 64 of 40x40 (tetrapod size);
  - training steps/s at batch 32 of 16x16 ROIs on one fixed random batch: forward, MSE, backward,
    Adam (lr 1e-3) (compare with BM_BgNetTrainStep).
Width 16 (the published 16, 32, 128 features), BatchNorm and ReLU after every 3x3 conv.
Usage: python3 bench/bgnet_torch.py [threads [repeats]]   (default 2 threads, best of 3 runs)
PyTorch rows skip without torch, ONNX Runtime rows without onnxruntime."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import onnx_rate, ort, rate, torch, versions  # noqa: E402

if torch is None:
    print("bgnet_torch: PyTorch is not installed (pip install torch); skipped")
    sys.exit(0)
import torch.nn as nn  # noqa: E402


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]


class BgNet(nn.Module):
    """net.cpp: [block]x2 at F, 2F, 8F with 2x2 max pools; nearest x2 up, concat, [block]x2."""

    def __init__(self, f=16):
        super().__init__()
        self.e0 = nn.Sequential(*block(1, f), *block(f, f))
        self.e1 = nn.Sequential(nn.MaxPool2d(2), *block(f, 2 * f), *block(2 * f, 2 * f))
        self.b = nn.Sequential(nn.MaxPool2d(2), *block(2 * f, 8 * f), *block(8 * f, 8 * f))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.d1 = nn.Sequential(*block(8 * f + 2 * f, 2 * f), *block(2 * f, 2 * f))
        self.d0 = nn.Sequential(*block(2 * f + f, f), *block(f, f), nn.Conv2d(f, 1, 1))

    def forward(self, x):
        e0 = self.e0(x)
        e1 = self.e1(e0)
        d1 = self.d1(torch.cat([self.up(self.b(e1)), e1], 1))
        return self.d0(torch.cat([self.up(d1), e0], 1))


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print(f"{versions()}, {threads} threads, best of {repeats}")
    net = BgNet().eval()
    print(f"params {sum(p.numel() for p in net.parameters())}")
    for batch, side in ((64, 16), (512, 16), (64, 40)):
        x = 0.5 + torch.rand(batch, 1, side, side)
        with torch.no_grad():
            r = batch * rate(lambda: net(x), 2.0, repeats)
        line = f"inference {batch} x {side}x{side}: torch {r:.0f} ROIs/s"
        if ort is not None:
            line += f", onnxruntime {batch * onnx_rate(net, x, threads, 2.0, repeats):.0f}"
        print(line, flush=True)
    net = BgNet().train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, t = 0.5 + torch.rand(32, 1, 16, 16), 0.5 + torch.rand(32, 1, 16, 16)

    def step():
        opt.zero_grad()
        loss = ((net(x) - t) ** 2).mean()
        loss.backward()
        opt.step()

    print(f"training batch 32 x 16x16: torch {rate(step, 2.0, repeats):.1f} steps/s", flush=True)


if __name__ == "__main__":
    main()
