"""How fast does multidiff's Trainer train, against a plain hand-written PyTorch loop doing the same work?

Run (from the repository root):

    .venv/bin/python benchmarks/training_throughput.py                   # full: 7 runs x 20 steps, batch 128
    .venv/bin/python benchmarks/training_throughput.py --threads 1 --out benchmarks/results/tt_1thread.json
    .venv/bin/python benchmarks/training_throughput.py --quick --out /tmp/tt.json   # smoke run: 2 runs x 3 steps

The model is the digits worked example: `DiffusionModel(DiffusersDenoiser(tiny_unet()), GaussianScheduler.create(
'ddpm', schedule='cosine'), null_cond=[NULL_CLASS], cond_dropout=0.1)` on `(CODEC.encode(x), y)` from
`load_digits('train')`, batch 128, with the example's optimiser settings (AdamW lr 2e-3, weight decay 0, gradient
clipping at norm 1.0, EMA decay 0.995). Two copies are built from the same seed (identical initial weights, checked)
and trained side by side in one process, CPU:

  (a) trainer: `Trainer(model, data, TrainConfig(...), out_dir)`, then `trainer.train_step()` called directly in a
               loop: one optimizer step = batch from its BatchStream, a list of 128 per-sample generators, loss,
               NaN check, backward, clip, AdamW step, LR-scheduler step, zero_grad, EMA step. No logging,
               progress bar or checkpoint is on this path (those belong to `fit()`, timed separately below).
  (b) plain:   the same model class and init, `torch.optim.AdamW(lr, weight_decay)`, diffusers `EMAModel` with the
               same decay, a batch of random indices, `loss = model(batch, generator=<one torch.Generator>)`,
               backward, `clip_grad_norm_`, step, zero_grad, `ema.step`. No LR scheduler (its step is a few
               microseconds of Python; the AdamW arithmetic does not depend on the LR value).

Each run times K steps of (a) and K steps of (b) back to back, after untimed warm-up steps, the order alternating
from run to run. It reports samples/s of both from the median over runs of a run's time per step, ratio =
trainer/plain samples/s (target >= 0.95: the trainer keeps at least 95% of a plain loop's throughput), the per-run
paired ratios (plain time / trainer time) and their median, every raw time, and, as a check against single slow
steps, every single step's time and the ratio from the median single step.

It also counts the FLOPs of one forward+backward of the plain loop with `torch.utils.flop_counter.FlopCounterMode`
(matmul, convolution and attention kernels only: norms, activations and the optimizer are not counted), measures the
machine's fp32 matmul peak in the same process (median of timed n x n @ n x n matmuls, 2 n^3 FLOPs each, n = 2048),
and reports the achieved FLOP/s of each loop (FLOPs per step / median step time) and its share of that peak.

For information only, it then times one end-to-end `fit()` of a fresh Trainer (logging on, progress bar off,
`ckpt_every` > steps, so only the final checkpoint and the final EMA weights are written), split into the time
inside `train_step` and the rest (logs, TensorBoard, checkpoint, final save).

Everything (raw times, medians, ratios, targets and whether met, FLOPs, peak, versions of torch/diffusers/accelerate,
threads, CPU model, load average, the command line, the date) goes to --out as JSON, written atomically.
"""
import argparse, csv, gc, os, statistics, tempfile, time
from dataclasses import asdict
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode
from diffusers.training_utils import EMAModel

from multidiff.core.denoiser import DiffusersDenoiser
from multidiff.image.digits import CODEC, NULL_CLASS, load_digits, tiny_unet
from multidiff.core.gaussian import GaussianScheduler
from multidiff.core.model import DiffusionModel
from multidiff.core.trainer import TrainConfig, Trainer

from _common import command_line, cpu_model, environment, loadavg, to_jsonable, utc_now, write_json_atomic

TARGETS = {"ratio": 0.95}
WEIGHT_SEED = 0
# the digits example's settings (multidiff.image.digits.train_digits)
TRAIN = dict(lr=2e-3, weight_decay=0.0, warmup_steps=50, grad_clip=1.0, ema_decay=0.995)
PEAK_N = 2048


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results/training_throughput.json", help="where to write the JSON results")
    p.add_argument("--runs", type=int, default=7, help="timed runs (each times K trainer steps and K plain steps); >= 5 for a real result")
    p.add_argument("--steps-per-run", type=int, default=20, help="K: optimizer steps per loop per run")
    p.add_argument("--batch", type=int, default=128, help="batch size")
    p.add_argument("--warmup", type=int, default=5, help="untimed warm-up steps of each loop before the runs")
    p.add_argument("--peak-reps", type=int, default=10, help="timed matmuls for the fp32 peak (after 2 untimed)")
    p.add_argument("--fit-steps", type=int, default=40, help="steps of the end-to-end fit() (information only; 0: skip)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's default)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data order and the training noise (both loops)")
    p.add_argument("--quick", action="store_true",
                   help="fast smoke run: runs=2, steps-per-run=3, warmup=1, peak-reps=3, fit-steps=4 (overrides those options)")
    args = p.parse_args(argv)
    if args.quick: args.runs, args.steps_per_run, args.warmup, args.peak_reps, args.fit_steps = 2, 3, 1, 3, 4
    if args.runs < 1 or args.steps_per_run < 1 or args.batch < 1 or args.peak_reps < 1:
        p.error("--runs, --steps-per-run, --batch and --peak-reps must be >= 1")
    if args.warmup < 0 or args.fit_steps < 0: p.error("--warmup and --fit-steps must be >= 0")
    return args


def build_model() -> DiffusionModel:
    "The digits worked example's model; tiny_unet seeds its own weight init, so every call gives the same weights."
    return DiffusionModel(DiffusersDenoiser(tiny_unet(seed=WEIGHT_SEED)), GaussianScheduler.create("ddpm", schedule="cosine"),
                          null_cond=[NULL_CLASS], cond_dropout=0.1)


def train_config(args, steps: int, log_every: int) -> TrainConfig:
    return TrainConfig(steps=steps, batch_size=args.batch, log_every=log_every, ckpt_every=steps + 1, progress=False,
                       seed=args.seed, **TRAIN)


class PlainLoop:
    "A hand-written training loop: the same model, batch, optimizer, clipping and EMA as the Trainer, nothing else."
    def __init__(self, model, data, cfg: TrainConfig, seed: int):
        self.model, (self.x, self.y), self.cfg = model.train(), data, cfg
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(self.params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.ema = EMAModel(model.parameters(), decay=cfg.ema_decay)
        self.gen = torch.Generator().manual_seed(seed)  # data order, t, noise and condition dropout

    def batch(self):
        idx = torch.randint(len(self.x), (self.cfg.batch_size,), generator=self.gen)
        return self.x[idx], self.y[idx]

    def step(self):
        loss = self.model(self.batch(), generator=self.gen)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.cfg.grad_clip)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        self.ema.step(self.model.parameters())
        return loss.detach()


def count_step_flops(plain: PlainLoop):
    "FLOPs of one forward+backward of the plain loop (gradients are dropped afterwards: no optimizer step)."
    with FlopCounterMode(display=False) as fc:
        loss = plain.model(plain.batch(), generator=plain.gen)
        loss.backward()
    plain.opt.zero_grad(set_to_none=True)
    by_op = {str(op): int(n) for op, n in fc.get_flop_counts().get("Global", {}).items()}
    return int(fc.get_total_flops()), by_op


def matmul_times(n: int, reps: int) -> list:
    "Seconds of `reps` timed fp32 n x n @ n x n products (2 n^3 FLOPs each), after two untimed ones."
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    out = torch.empty(n, n)
    for _ in range(2): torch.mm(a, b, out=out)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); torch.mm(a, b, out=out); times.append(time.perf_counter() - t0)
    return times


def steal_seconds():
    "CPU time the hypervisor gave to others (all CPUs, /proc/stat 'steal'), or None where unknown."
    try: return int(Path("/proc/stat").read_text().split("\n", 1)[0].split()[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError): return None


def max_abs_weight_diff(m1, m2) -> float:
    s1, s2 = m1.state_dict(), m2.state_dict()
    if s1.keys() != s2.keys(): return float("inf")
    return max((float((s1[k].float() - s2[k].float()).abs().max()) for k in s1 if s1[k].numel()), default=0.0)


def time_fit(args, data):
    "One end-to-end fit() of a fresh Trainer, split into the time inside train_step and the rest."
    log_every = max(1, min(10, args.fit_steps))
    with tempfile.TemporaryDirectory(prefix="multidiff-bench-fit-") as tmp:
        gc.collect()
        t0 = time.perf_counter()
        trainer = Trainer(build_model(), data, train_config(args, args.fit_steps, log_every), Path(tmp) / "run")
        t_init = time.perf_counter() - t0
        inner, step_times = trainer.train_step, []
        def timed_step():
            s = time.perf_counter(); r = inner(); step_times.append(time.perf_counter() - s); return r
        trainer.train_step = timed_step  # fit() calls self.train_step(): the instance attribute wins
        gc.collect()
        t0 = time.perf_counter(); trainer.fit(); t_fit = time.perf_counter() - t0
        with open(Path(tmp) / "run" / "log.csv", newline="") as f: log_rows = list(csv.DictReader(f))
    steps_s = sum(step_times)
    return {"steps": args.fit_steps, "log_every": log_every, "trainer_init_s": t_init, "fit_s": t_fit,
            "fit_samples_per_s": args.fit_steps * args.batch / t_fit,
            "train_step_total_s": steps_s, "fit_other_s": t_fit - steps_s, "train_step_times_s": step_times,
            "log_csv_samples_per_s": [float(r["samples_per_s"]) for r in log_rows],
            "note": "information only: fit_s includes logging (CSV, TensorBoard), the final checkpoint and save_final; "
                    "fit_other_s = fit_s - time inside train_step"}


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None: torch.set_num_threads(args.threads)
    B, K = args.batch, args.steps_per_run
    x, y = load_digits("train")
    data = (CODEC.encode(x), y)

    # enough scheduled steps that the cosine LR never runs past its end during the benchmark
    total = 1 + args.warmup + args.runs * K
    trainer_dir = tempfile.TemporaryDirectory(prefix="multidiff-bench-train-")
    trainer = Trainer(build_model(), data, train_config(args, total, log_every=total), trainer_dir.name)
    trainer.raw_model.train()  # fit() does this; train_step alone does not
    plain = PlainLoop(build_model(), data, trainer.config, args.seed)
    init_diff = max_abs_weight_diff(trainer.raw_model, plain.model)
    num_params = sum(p.numel() for p in plain.model.parameters())

    flops_per_step, flops_by_op = count_step_flops(plain)
    load_before, steal_before = loadavg(), steal_seconds()
    peak_times_before = matmul_times(PEAK_N, args.peak_reps)

    fns = {"trainer": trainer.train_step, "plain": plain.step}
    for _ in range(args.warmup):
        for n in fns: fns[n]()

    def timed(fn):
        "K steps; returns the K single-step times (a perf_counter stamp between steps: their sum is the run's time)."
        gc.collect()
        stamps = [time.perf_counter()]
        for _ in range(K): fn(); stamps.append(time.perf_counter())
        return [b - a for a, b in zip(stamps, stamps[1:])]

    names = list(fns)
    times, each_step = {n: [] for n in names}, {n: [] for n in names}
    orders = []
    for r in range(args.runs):
        order = names if r % 2 == 0 else names[::-1]  # alternate which loop goes first
        orders.append(order)
        for n in order:
            each_step[n].append(timed(fns[n])); times[n].append(sum(each_step[n][-1]))
        print(f"run {r + 1}/{args.runs}: " + "  ".join(f"{n}={times[n][-1] / K * 1e3:.1f}ms/step" for n in names), flush=True)
    load_after, steal_after = loadavg(), steal_seconds()
    peak_times_after = matmul_times(PEAK_N, args.peak_reps)  # again after the runs: a drift check on the machine
    peak_times = peak_times_before + peak_times_after
    peak = 2 * PEAK_N ** 3 / statistics.median(peak_times)
    peak_drift = statistics.median(peak_times_after) / statistics.median(peak_times_before)
    last_loss = {"trainer": trainer.train_step(), "plain": float(plain.step())}  # not timed
    trainer_dir.cleanup()  # train_step writes nothing there; the Trainer only needs a folder name

    step_times = {n: [t / K for t in v] for n, v in times.items()}
    med_step = {n: statistics.median(v) for n, v in step_times.items()}
    # robustness check against single slow steps (another job, a page fault): the median over all single steps
    med_single = {n: statistics.median([t for run in v for t in run]) for n, v in each_step.items()}
    sps = {n: B / v for n, v in med_step.items()}
    ratio = sps["trainer"] / sps["plain"]
    paired = [p / t for t, p in zip(times["trainer"], times["plain"])]
    achieved = {n: flops_per_step / v for n, v in med_step.items()}
    # how much slower the slowest single step was than the median one: > 2 means something else ran meanwhile
    spread = {n: max(t for run in v for t in run) / med_single[n] for n, v in each_step.items()}
    disturbed = max(spread.values()) > 2 or not 0.9 <= peak_drift <= 1.1

    fit_info = time_fit(args, data) if args.fit_steps else None

    result = {
        "benchmark": "training_throughput",
        "date": utc_now(),
        "command": command_line(),
        "quick": args.quick,
        "settings": {"runs": args.runs, "steps_per_run": K, "warmup_steps": args.warmup, "batch": B, "seed": args.seed,
                     "weight_seed": WEIGHT_SEED, "threads_arg": args.threads, "peak_matmul_n": PEAK_N, "peak_reps": args.peak_reps,
                     "timer": "time.perf_counter around K steps, gc.collect() before each"},
        "model": {"build": "DiffusionModel(DiffusersDenoiser(tiny_unet()), GaussianScheduler.create('ddpm', schedule='cosine'), "
                           "null_cond=[NULL_CLASS], cond_dropout=0.1)",
                  "num_parameters": num_params, "data": f"(CODEC.encode(x), y) from load_digits('train'): {tuple(x.shape)}",
                  "unet_config": to_jsonable(dict(plain.model.denoiser.model.config))},
        "train_config": to_jsonable(asdict(trainer.config)),
        "measurements": {
            "trainer": "Trainer(model, data, config, out_dir).train_step() x K: BatchStream batch, per-sample generators, loss, "
                       "NaN check, backward, accelerate clip_grad_norm_, AdamW step, LR scheduler step, zero_grad, EMA step",
            "plain": "hand-written: randint batch, model(batch, generator=<one Generator>), backward, clip_grad_norm_, AdamW step, "
                     "zero_grad, diffusers EMAModel.step (no LR scheduler)",
        },
        "init_weights_max_abs_diff": init_diff,
        "trainer_skipped_steps": trainer.skipped,
        "last_loss": last_loss,
        "times_s": times,
        "run_orders": orders,
        "per_run_step_s": step_times,
        "median_step_s": med_step,
        "single_step_times_s": each_step,
        "median_single_step_s": med_single,
        "ratio_from_single_steps": med_single["plain"] / med_single["trainer"],
        "samples_per_s": sps,
        "ratio": ratio,
        "paired_ratio": paired,
        "paired_ratio_median": statistics.median(paired),
        "targets": TARGETS,
        "met": {"ratio": ratio >= TARGETS["ratio"]},
        "flops": {
            "per_step": flops_per_step, "per_step_by_op": flops_by_op,
            "counted": "FlopCounterMode over one forward+backward of the plain loop (matmul/conv/attention kernels; "
                       "norms, activations, loss and the optimizer/EMA are not counted)",
            "peak_fp32_matmul_flop_per_s": peak,
            "peak": f"2 n^3 / median of {len(peak_times)} timed torch.mm of {PEAK_N}x{PEAK_N} fp32 (half before the runs, half after)",
            "peak_matmul_times_s": {"before_runs": peak_times_before, "after_runs": peak_times_after},
            "peak_best_flop_per_s": 2 * PEAK_N ** 3 / min(peak_times),
            "achieved_flop_per_s": achieved,
            "share_of_peak": {n: v / peak for n, v in achieved.items()},
        },
        "fit": fit_info,
        "stability": {"max_over_median_single_step": spread, "peak_matmul_after_over_before": peak_drift,
                      "steal_s_during_runs": None if steal_before is None or steal_after is None else steal_after - steal_before,
                      "disturbed": disturbed,
                      "note": "disturbed: a single step took > 2x the median, or the matmul peak drifted > 10% between before "
                              "and after the runs; rerun on a quieter machine"},
        "environment": environment(packages=("torch", "diffusers", "accelerate", "numpy"),
                                   loadavg_before=load_before, loadavg_after=load_after),
    }
    out = Path(args.out)
    write_json_atomic(out, result)

    if init_diff != 0: print(f"warning: the two models did not start from the same weights (max abs diff {init_diff:.3g})")
    if trainer.skipped: print(f"warning: the trainer skipped {trainer.skipped} step(s) on a NaN/inf loss: its times are not comparable")
    if disturbed: print(f"warning: the machine looks disturbed (slowest/median single step {max(spread.values()):.2f}, "
                        f"matmul time after/before {peak_drift:.2f}): other work ran meanwhile; rerun on a quiet machine")
    if args.runs < 5 and not args.quick: print(f"warning: only {args.runs} runs; use >= 5 for a result worth reporting")
    print(f"\n{'quick smoke run (not a result)' if args.quick else 'result'}: batch {B}, {args.runs} runs x {K} steps, "
          f"{torch.get_num_threads()} threads, {cpu_model()}")
    print("median step: " + "  ".join(f"{n}={v * 1e3:.1f}ms ({sps[n]:.0f} samples/s)" for n, v in med_step.items()))
    print(f"ratio = trainer/plain samples/s = {ratio:.4f} (paired median {result['paired_ratio_median']:.4f}; "
          f"target >= {TARGETS['ratio']}) {'MET' if result['met']['ratio'] else 'NOT MET'}; "
          f"from the median single step {result['ratio_from_single_steps']:.4f}")
    print(f"FLOPs/step {flops_per_step / 1e9:.3f} G; fp32 matmul peak {peak / 1e9:.1f} GFLOP/s; achieved "
          + "  ".join(f"{n}={achieved[n] / 1e9:.1f} GFLOP/s ({achieved[n] / peak:.1%})" for n in names))
    if fit_info:
        print(f"fit(): {fit_info['steps']} steps in {fit_info['fit_s']:.2f}s ({fit_info['fit_samples_per_s']:.0f} samples/s end to end; "
              f"{fit_info['train_step_total_s']:.2f}s in train_step, {fit_info['fit_other_s']:.2f}s logging/checkpoint/final save); "
              f"Trainer() {fit_info['trainer_init_s']:.2f}s")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
