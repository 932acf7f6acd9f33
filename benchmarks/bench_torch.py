"""sklearn_rnn against PyTorch on the CPU: training, prediction, GEMM efficiency, memory.

For each cell, hidden size H, sequence length T and feature count F: a many-to-one
regression (MSE on the last state), 2048 sequences, batch 64, Adam, in float64 and
float32. Columns:

- fit s/epoch: time per training epoch of ``RNNRegressor.fit`` (the public
  estimator, validation and initialisation included) and of the same model trained
  by a plain PyTorch loop, measured interleaved (ours, torch, ours, torch, ...) and
  reported as medians, with the ratio ours/torch (below 1: we are faster);
- predict 1 / predict all: time of the public ``predict`` on one sequence (the
  mean of 20 consecutive calls) and on all 2048, against ``module(x)`` under
  ``torch.no_grad()``;
- GEMM eff: the training FLOP rate (6 x the multiply-adds of the forward pass per
  epoch / our epoch time) as a fraction of numpy's own GEMM rate, measured in the
  same run on a 512 x 512 product;
- peak MB: peak memory allocated by numpy during one fit (tracemalloc).

Times are CPU time of this process (``time.process_time``) with ONE BLAS / torch
thread, so that a loaded machine affects both sides alike; ``--wall`` reports
wall-clock instead. The second table shows how fit time grows with n_samples and T.

Run ``python benchmarks/bench_torch.py`` (all points; about an hour on 2 cores) or
``python benchmarks/bench_torch.py --cells lstm --hidden 64 --timesteps 20`` for a
subset. PyTorch comes from the ``parity`` extra (``torch==2.13.0``).
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from _machine import print_machine
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklearn_rnn import RNNRegressor

N_SAMPLES, BATCH = 2048, 64
# predicting one sequence takes a fraction of a millisecond: each repeat times
# this many consecutive calls, so that the clock's resolution and one stray
# interruption do not decide the figure
ONE_CALLS = 20


def forward_macs(cell, n_features, hidden, n_timesteps, n_samples):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    return n_samples * n_timesteps * gates * hidden * (n_features + hidden)


def numpy_gemm_gflops(dtype, size=512, repeats=20):
    a = np.random.rand(size, size).astype(dtype)
    b = np.random.rand(size, size).astype(dtype)
    a @ b
    start = time.process_time()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.process_time() - start) / 1e9


class Timer:
    def __init__(self, wall):
        self.clock = time.perf_counter if wall else time.process_time

    def __call__(self, function):
        start = self.clock()
        function()
        return self.clock() - start


def make_torch_model(torch, cell, n_features, hidden, dtype):
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = module(n_features, hidden, batch_first=True)
            self.out = torch.nn.Linear(hidden, 1)

        def forward(self, x):
            return self.out(self.rnn(x)[0][:, -1]).squeeze(1)

    return Model().to(dtype)


def torch_epoch(torch, model, optimizer, X, y, generator):
    order = torch.randperm(len(X), generator=generator)
    for start in range(0, len(X), BATCH):
        idx = order[start : start + BATCH]
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()


def our_fit(X, y, cell, hidden, epochs=2):
    est = RNNRegressor(
        hidden_layer_sizes=(hidden,), cell=cell, batch_size=BATCH, max_iter=epochs,
        tol=0, learning_rate="constant", group_steps=1, random_state=0,
    )
    est.fit(X, y)
    return est


def run_point(args, torch, timer, cell, hidden, n_timesteps, n_features, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(N_SAMPLES, n_timesteps, n_features)).astype(dtype)
    y = rng.normal(size=N_SAMPLES).astype(dtype)
    epochs = 2
    ours, theirs, one_ours, one_theirs, all_ours, all_theirs = ([] for _ in range(6))
    est = our_fit(X[:64], y[:64], cell, hidden, epochs=1)
    if torch is not None:
        tdtype = torch.float64 if dtype == np.float64 else torch.float32
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        model = make_torch_model(torch, cell, n_features, hidden, tdtype)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(0)
    x_one = X[:1]

    def predict_ones():
        for _ in range(ONE_CALLS):
            est.predict(x_one)

    def torch_predict_ones():
        for _ in range(ONE_CALLS):
            model(Xt[:1])

    for _ in range(args.repeats):
        ours.append(timer(lambda: our_fit(X, y, cell, hidden, epochs)) / epochs)
        one_ours.append(timer(predict_ones) / ONE_CALLS)
        all_ours.append(timer(lambda: est.predict(X)))
        if torch is not None:
            theirs.append(
                timer(lambda: torch_epoch(torch, model, optimizer, Xt, yt, generator))
            )
            with torch.no_grad():
                one_theirs.append(timer(torch_predict_ones) / ONE_CALLS)
                all_theirs.append(timer(lambda: model(Xt)))
    tracemalloc.start()
    our_fit(X, y, cell, hidden, epochs=1)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    fit_ours = np.median(ours)
    flops = 6 * forward_macs(cell, n_features, hidden, n_timesteps, N_SAMPLES)
    row = {
        "fit_ours": fit_ours,
        "one_ours": np.median(one_ours),
        "all_ours": np.median(all_ours),
        "gemm_eff": flops / fit_ours / 1e9 / args.gemm[dtype],
        "peak_mb": peak,
    }
    if torch is not None:
        row.update(
            fit_torch=np.median(theirs),
            one_torch=np.median(one_theirs),
            all_torch=np.median(all_theirs),
        )
    return row


def ratio(row, key):
    if f"{key}_torch" not in row:
        return "     -"
    return f"{row[f'{key}_ours'] / row[f'{key}_torch']:6.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--hidden", default="16,64,256")
    parser.add_argument("--timesteps", default="20,100")
    parser.add_argument("--features", default="8,64")
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--wall", action="store_true", help="wall-clock times")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-scaling", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    timer = Timer(args.wall)

    print_machine(torch=torch.__version__ if torch else "not installed")
    clock = "wall-clock" if args.wall else "CPU time"
    print(f"measured with {args.threads} BLAS thread(s) and {args.threads} torch "
          f"thread(s); {clock}; medians of {args.repeats} interleaved repeats; "
          f"{N_SAMPLES} sequences, batch {BATCH}, Adam\n")

    dtypes = {"float64": np.float64, "float32": np.float32}
    with threadpool_limits(args.threads, user_api="blas"):
        args.gemm = {
            dtypes[name]: numpy_gemm_gflops(dtypes[name])
            for name in args.dtypes.split(",")
        }
        for dtype, rate in args.gemm.items():
            print(f"numpy GEMM 512x512 {np.dtype(dtype).name}: {rate:.1f} GFLOP/s")
        print()
        header = (
            f"{'dtype':>7} {'cell':>4} {'H':>4} {'T':>4} {'F':>3} | "
            f"{'fit s/ep':>8} {'torch':>8} {'ratio':>6} | {'pred1 ms':>8} "
            f"{'torch':>7} {'ratio':>6} | {'predall s':>9} {'torch':>7} "
            f"{'ratio':>6} | {'GEMM eff':>8} | {'peak MB':>7}"
        )
        print(header)
        print("-" * len(header))
        for dtype_name in args.dtypes.split(","):
            dtype = dtypes[dtype_name]
            for cell in args.cells.split(","):
                for hidden in map(int, args.hidden.split(",")):
                    for n_timesteps in map(int, args.timesteps.split(",")):
                        for n_features in map(int, args.features.split(",")):
                            row = run_point(
                                args, torch, timer, cell, hidden, n_timesteps,
                                n_features, dtype,
                            )
                            print(
                                f"{dtype_name:>7} {cell:>4} {hidden:>4} "
                                f"{n_timesteps:>4} {n_features:>3} | "
                                f"{row['fit_ours']:8.3f} "
                                f"{row.get('fit_torch', float('nan')):8.3f} "
                                f"{ratio(row, 'fit')} | "
                                f"{1e3 * row['one_ours']:8.3f} "
                                f"{1e3 * row.get('one_torch', float('nan')):7.3f} "
                                f"{ratio(row, 'one')} | {row['all_ours']:9.3f} "
                                f"{row.get('all_torch', float('nan')):7.3f} "
                                f"{ratio(row, 'all')} | {row['gemm_eff']:8.2f} | "
                                f"{row['peak_mb']:7.1f}",
                                flush=True,
                            )
        if not args.no_scaling:
            print("\nScaling of fit time (lstm, H=64, F=8, float64): s per epoch")
            rng = np.random.RandomState(0)
            for n_samples, n_timesteps in [
                (512, 20), (1024, 20), (2048, 20), (4096, 20),
                (2048, 10), (2048, 40), (2048, 80),
            ]:
                X = rng.normal(size=(n_samples, n_timesteps, 8))
                y = rng.normal(size=n_samples)
                seconds = np.median(
                    [timer(lambda: our_fit(X, y, "lstm", 64)) / 2 for _ in range(2)]
                )
                print(f"  n_samples={n_samples:5d} T={n_timesteps:3d}: {seconds:.3f} "
                      f"s/epoch, {1e6 * seconds / (n_samples * n_timesteps):.2f} "
                      "us per sequence-step")


if __name__ == "__main__":
    main()
