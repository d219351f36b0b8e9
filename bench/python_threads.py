"""Python threads localize in parallel: smlm releases the GIL while it works.

One thread localizes N copies of a simulated movie one after the other; then two Python threads
localize N/2 copies each, at the same time. Each call uses one CPU thread (threads=1), so the
two-thread run can only be faster if the calls really run concurrently: on two free cores the
ratio is ~2, with the GIL held it would be ~1. Prints both throughputs, the ratio, the cores the
process kept busy (CPU seconds per second), and the share of the two-thread run during which
both threads were inside a localize call: ~100 % when the GIL is released (on a busy machine
too, where the ratio falls), 0 % if it were held (a thread could not even enter its call).

    PYTHONPATH=build/python python3 bench/python_threads.py [--copies 8] [--frames 200]
"""
import argparse
import threading
import time

import smlm


def localize_copies(movie, copies, spans):
    for _ in range(copies):
        start = time.perf_counter()
        smlm.localize(movie, threads=1)
        spans.append((start, time.perf_counter()))


def overlap(a, b):
    """Seconds during which a call of each list of (start, end) spans was running."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def run(movie, copies, workers):
    """(wall seconds, CPU seconds of the process, seconds both threads were inside a call) for
    `workers` Python threads to localize `copies` movies in all."""
    spans = [[] for _ in range(workers)]
    threads = [threading.Thread(target=localize_copies, args=(movie, copies // workers, spans[i]))
               for i in range(workers)]
    start, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return wall, cpu, overlap(*spans) if workers == 2 else 0.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=8, help="movies localized per run (even)")
    p.add_argument("--frames", type=int, default=200, help="frames per movie")
    p.add_argument("--size", type=int, default=64, help="frame side [px]")
    p.add_argument("--repeats", type=int, default=3, help="runs per setting; the best counts")
    a = p.parse_args()
    copies = a.copies + a.copies % 2
    movie, _ = smlm.simulate(frames=a.frames, size=a.size, seed=1)
    locs = len(smlm.localize(movie, threads=1)["frame"])  # warm-up
    frames = copies * a.frames
    print(f"movie: {a.frames} frames of {a.size}x{a.size} px, {locs} localizations; "
          f"{copies} copies per run, threads=1 per call")
    rates = {}
    for workers in (1, 2):
        seconds, cpu, both = min(run(movie, copies, workers) for _ in range(a.repeats))
        rates[workers] = frames / seconds
        line = (f"{workers} Python thread{'s' if workers > 1 else ' '}: {seconds:6.2f} s  "
                f"{rates[workers]:8.0f} frames/s  {rates[workers] * locs / a.frames:9.0f} locs/s  "
                f"{cpu / seconds:4.2f} cores busy")
        if workers == 2:
            line += f", both threads inside localize {100 * both / seconds:3.0f}% of the time"
        print(line)
    print(f"ratio (2 threads / 1 thread): {rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
