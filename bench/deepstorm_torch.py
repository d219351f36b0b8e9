#!/usr/bin/env python3
"""Deep-STORM's architecture in PyTorch, timed on the CPU the way bench/deepstorm_bench.cpp times
smlm's: inference frames/s on 64x64 and 256x256 frames and training steps/s (batch 16 of 26x26
patches), for the published net (upsampling 8, widths 32/64/128/512) and the small one (4, /4);
and the same nets' inference through ONNX Runtime (exported in eval mode, BatchNorm folded into
the convolutions by ORT, same intra-op threads; bench/peers.py).
Usage: python3 bench/deepstorm_torch.py [threads [repeats]]   (default 2 threads, 1 run; rows
of the best of `repeats` runs). Skips with a message without torch; the ONNX Runtime rows skip
without onnxruntime (pip install torch onnx onnxruntime)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import onnx_rate, ort, rate, torch, versions  # noqa: E402

if torch is None:
    print("deepstorm_torch: PyTorch is not installed (pip install torch); skipped")
    sys.exit(0)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def deepstorm(upsampling=8, widths=(32, 64, 128, 512)):
    w0, w1, w2, w3 = widths
    layers = [nn.Upsample(scale_factor=upsampling, mode="nearest")] if upsampling > 1 else []
    layers += block(1, w0) + [nn.MaxPool2d(2)] + block(w0, w1) + [nn.MaxPool2d(2)]
    layers += block(w1, w2) + [nn.MaxPool2d(2)] + block(w2, w3)
    layers += [nn.Upsample(scale_factor=2)] + block(w3, w2) + [nn.Upsample(scale_factor=2)]
    layers += block(w2, w1) + [nn.Upsample(scale_factor=2)] + block(w1, w0)
    layers += [nn.Conv2d(w0, 1, 1)]
    return nn.Sequential(*layers)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(threads)
    print(f"{versions()}, {threads} threads, best of {repeats}")
    if ort is None:
        print("onnxruntime is not installed (pip install onnx onnxruntime): its rows skipped")
    g = torch.exp(-0.5 * torch.arange(-3, 4, dtype=torch.float32) ** 2)
    g = (g[:, None] * g[None, :])
    g = (g / g.sum()).reshape(1, 1, 7, 7)
    for name, up, widths, patch in (("published", 8, (32, 64, 128, 512), 26),
                                    ("small", 4, (8, 16, 32, 128), 16)):
        net = deepstorm(up, widths)
        net.eval()
        with torch.no_grad():
            for side in (64, 256):
                x = torch.full((1, 1, side, side), 0.1)
                r = rate(lambda: net(x), 2.0, repeats)
                line = f"{name} inference {side}x{side}: torch {r:.3f} frames/s"
                if ort is not None:
                    line += f", onnxruntime {onnx_rate(net, x, threads, 2.0, repeats):.3f}"
                print(line, flush=True)
        net.train()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        x = torch.randn(16, 1, patch, patch)
        t = torch.zeros(16, 1, patch * up, patch * up)
        t.view(-1)[torch.randint(0, t.numel(), (16 * 8,))] = 100.0

        def step():
            opt.zero_grad()
            p = net(x)
            loss = F.mse_loss(F.conv2d(p, g, padding=3), F.conv2d(t, g, padding=3)) + p.abs().mean()
            loss.backward()
            opt.step()

        r = rate(step, 5.0, repeats)
        print(f"{name} training (batch 16, {patch}x{patch}): torch {r:.3f} steps/s", flush=True)


if __name__ == "__main__":
    main()
