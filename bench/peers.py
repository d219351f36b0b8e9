"""What the PyTorch/ONNX Runtime comparison scripts share (bench/deepstorm_torch.py,
bench/decode_torch.py): timing a call at a steady rate, and running a PyTorch net through ONNX
Runtime on the CPU with a given number of intra-op threads. Imported by those scripts (run from
anywhere: they put bench/ on the path themselves); not a script of its own.

PyTorch and onnxruntime are optional: `torch` and `ort` are None when they are not installed, and
the scripts then skip the rows they would time."""
import os
import tempfile
import time

try:
    import torch
except ImportError:
    torch = None
try:
    import onnxruntime as ort
except ImportError:
    ort = None


def rate(fn, min_time=2.0, repeats=1):
    """Calls per second of fn(): one warm-up call, then the best of `repeats` runs of at least
    min_time seconds each (the best, because a shared machine only ever slows a run down)."""
    fn()
    best = 0.0
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < min_time:
            fn()
            n += 1
        best = max(best, n / (time.perf_counter() - t0))
    return best


def versions():
    """One line: the versions of what is installed."""
    parts = []
    if torch is not None:
        parts.append(f"torch {torch.__version__}")
    if ort is not None:
        parts.append(f"onnxruntime {ort.__version__}")
    return ", ".join(parts) if parts else "neither torch nor onnxruntime"


def onnx_session(net, x, threads, keep=None):
    """An onnxruntime.InferenceSession of `net` (a torch module, put in eval mode: BatchNorm
    then becomes an affine op that ORT folds into the convolution before it) exported for input
    shape x.shape: `threads` intra-op threads, 1 inter-op, sequential, all graph optimizations.
    keep: a path to save the model as ORT optimized it (to see its fused nodes and layouts)."""
    net.eval()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "net.onnx")
        with torch.no_grad():
            try:  # the TorchScript exporter: no onnxscript needed, constant folding on
                torch.onnx.export(net, (x,), path, input_names=["x"], output_names=["y"],
                                  opset_version=17, do_constant_folding=True, dynamo=False)
            except TypeError:  # a torch without the `dynamo` switch
                torch.onnx.export(net, (x,), path, input_names=["x"], output_names=["y"],
                                  opset_version=17, do_constant_folding=True)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if keep:
            so.optimized_model_filepath = keep
        return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def onnx_rate(net, x, threads, min_time=2.0, repeats=1, keep=None):
    """Inference calls per second of `net` on input x through ONNX Runtime (see onnx_session)."""
    s = onnx_session(net, x, threads, keep)
    feed = {"x": x.numpy()}
    return rate(lambda: s.run(None, feed), min_time, repeats)
