"""Times torch.mm (OpenBLAS/MKL on CPU) at the shapes GemmBench passes.

Batch:  python3 bench/torch_mm.py --threads 1,2 --reps 9 NN:4096x400x390 TN:390x400x4096 ...
        prints `key<TAB>threads<TAB>GFLOP/s` lines (median of reps).
Serve:  python3 bench/torch_mm.py --serve   then per stdin line `key threads calls` times `calls` products and
        prints one GFLOP/s line, so that GemmBench can interleave torch with its own repetitions.
(key = op:MxNxK, C[M×N] = op(A)[M×K]·op(B)[K×N]; T means the operand is stored transposed, as in DeepFM.Engine.Gemm).
"""
import statistics
import sys
import time

import torch


def operands(key):
    op, dims = key.split(":")
    m, n, k = (int(x) for x in dims.split("x"))
    a = torch.rand(k, m) - 0.5 if op[0] == "T" else torch.rand(m, k) - 0.5
    b = torch.rand(n, k) - 0.5 if op[1] == "T" else torch.rand(k, n) - 0.5
    a_op = a.t() if op[0] == "T" else a
    b_op = b.t() if op[1] == "T" else b
    return m, n, k, a_op, b_op, torch.empty(m, n)


def serve():
    cache = {}
    print("ready", flush=True)
    for line in sys.stdin:
        key, t, calls = line.split()
        if key not in cache:
            cache.clear()
            cache[key] = operands(key)
        m, n, k, a_op, b_op, c = cache[key]
        torch.set_num_threads(int(t))
        torch.mm(a_op, b_op, out=c)
        s = time.perf_counter()
        for _ in range(int(calls)):
            torch.mm(a_op, b_op, out=c)
        print(f"{2.0 * m * n * k * int(calls) / (time.perf_counter() - s) / 1e9:.3f}", flush=True)


def main(argv):
    if "--serve" in argv:
        torch.manual_seed(1)
        serve()
        return
    threads, reps, keys = [1, 2], 9, []
    i = 0
    while i < len(argv):
        if argv[i] == "--threads":
            threads = [int(t) for t in argv[i + 1].split(",")]; i += 2
        elif argv[i] == "--reps":
            reps = int(argv[i + 1]); i += 2
        else:
            keys.append(argv[i]); i += 1
    torch.manual_seed(1)
    for t in threads:
        torch.set_num_threads(t)
        for key in keys:
            op, dims = key.split(":")
            m, n, k = (int(x) for x in dims.split("x"))
            a = torch.rand(k, m) - 0.5 if op[0] == "T" else torch.rand(m, k) - 0.5
            b = torch.rand(n, k) - 0.5 if op[1] == "T" else torch.rand(k, n) - 0.5
            a_op = a.t() if op[0] == "T" else a
            b_op = b.t() if op[1] == "T" else b
            c = torch.empty(m, n)
            torch.mm(a_op, b_op, out=c)
            start, calls = time.perf_counter(), 0
            while time.perf_counter() - start < 0.02 or calls < 2:
                torch.mm(a_op, b_op, out=c); calls += 1
            per = max(1, int(calls * 0.04 / (time.perf_counter() - start)))
            rates = []
            for _ in range(reps):
                s = time.perf_counter()
                for _ in range(per):
                    torch.mm(a_op, b_op, out=c)
                rates.append(2.0 * m * n * k * per / (time.perf_counter() - s) / 1e9)
            print(f"{key}\t{t}\t{statistics.median(rates):.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
