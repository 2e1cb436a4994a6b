"""How much does multidiff's sampling loop cost on top of the network, and against diffusers' own pipeline?

Run (from the repository root):

    .venv/bin/python benchmarks/sampling_overhead.py                 # full: 7 runs, 50 DDIM steps, batch 4
    .venv/bin/python benchmarks/sampling_overhead.py --quick --out /tmp/so.json   # smoke run: 2 runs, 5 steps
    make bench                                                       # the full run, default --out

For a small randomly initialised `UNet2DModel` at 32x32 (config in the JSON under "model") and a default
`DDIMScheduler`, in one process and after a warm-up, each run times three things back to back (their order
rotates from run to run, so drift and position effects hit all three alike):

  (a) t_loop:    multidiff `sample(DiffusersDenoiser(unet), GaussianScheduler(DDIMScheduler), (B,3,32,32),
                 num_steps=S, generator=..., progress=False)`, then decoded to an NHWC numpy image in [0, 1]
                 exactly as the pipeline does (`NormalizeCodec(0, 1).decode(x).cpu().permute(0, 2, 3, 1).numpy()`);
  (b) t_forward: S bare `unet(x, t).sample` calls under `torch.no_grad()` on the same batch shape, t from the
                 scheduler's timesteps (the floor: the network alone, no scheduler, no noise, no decode);
  (c) t_pipe:    diffusers `DDIMPipeline(unet, scheduler)(batch_size=B, num_inference_steps=S, generator=...,
                 output_type="np")` with its progress bar disabled.

It reports ratio_a = median(t_loop) / median(t_forward) (target <= 1.02: the loop adds at most 2% to the
network), ratio_b = median(t_loop) / median(t_pipe) (target <= 1.00: no slower than diffusers), the per-run
paired ratios and their medians, every raw time, the environment (torch/diffusers versions, threads, CPU
model, load average), the command line and the date, and writes them as JSON to --out (atomically).
"""
import argparse, gc, statistics, time
from pathlib import Path

import numpy as np
import torch
import diffusers
from diffusers import DDIMPipeline, DDIMScheduler, UNet2DModel

from multidiff.core.codec import NormalizeCodec
from multidiff.core.denoiser import DiffusersDenoiser
from multidiff.core.gaussian import GaussianScheduler
from multidiff.core.sampling import sample

from _common import command_line, cpu_model, environment, loadavg, to_jsonable, utc_now, write_json_atomic

TARGETS = {"ratio_a": 1.02, "ratio_b": 1.00}
MODEL_KWARGS = dict(
    sample_size=32, in_channels=3, out_channels=3,
    block_out_channels=(32, 64, 64), layers_per_block=1, norm_num_groups=32,
    down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
)
WEIGHT_SEED = 0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results/sampling_overhead.json", help="where to write the JSON results")
    p.add_argument("--runs", type=int, default=7, help="timed runs (each times all three measurements once); >= 5 for a real result")
    p.add_argument("--steps", type=int, default=50, help="DDIM steps")
    p.add_argument("--batch", type=int, default=4, help="batch size B")
    p.add_argument("--warmup", type=int, default=1, help="untimed warm-up rounds of all three measurements")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's default)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling generators")
    p.add_argument("--quick", action="store_true", help="fast smoke run: runs=2, steps=5 (overrides --runs/--steps)")
    args = p.parse_args(argv)
    if args.quick: args.runs, args.steps = 2, 5
    if args.runs < 1 or args.steps < 1 or args.batch < 1: p.error("--runs, --steps and --batch must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None: torch.set_num_threads(args.threads)
    B, S, size = args.batch, args.steps, MODEL_KWARGS["sample_size"]
    shape = (B, MODEL_KWARGS["in_channels"], size, size)

    torch.manual_seed(WEIGHT_SEED)
    unet = UNet2DModel(**MODEL_KWARGS).eval()
    base = DDIMScheduler(num_train_timesteps=1000)
    # every user gets its own scheduler instance, so no set_timesteps state is shared
    denoiser = DiffusersDenoiser(unet)
    ours = GaussianScheduler(DDIMScheduler.from_config(base.config))
    pipe = DDIMPipeline(unet=unet, scheduler=DDIMScheduler.from_config(base.config))
    pipe.set_progress_bar_config(disable=True)
    fwd_sched = DDIMScheduler.from_config(base.config)
    fwd_sched.set_timesteps(S)
    fwd_timesteps = list(fwd_sched.timesteps)  # 0-d tensors, as the pipeline passes them
    fwd_x = torch.randn(shape, generator=torch.Generator().manual_seed(args.seed))
    codec = NormalizeCodec(0, 1)

    def run_loop():
        x = sample(denoiser, ours, shape, num_steps=S, generator=torch.Generator().manual_seed(args.seed), progress=False)
        return codec.decode(x).cpu().permute(0, 2, 3, 1).numpy()

    def run_forward():
        with torch.no_grad():
            for t in fwd_timesteps: out = unet(fwd_x, t).sample
        return out

    def run_pipe():
        return pipe(batch_size=B, num_inference_steps=S, generator=torch.Generator().manual_seed(args.seed), output_type="np").images

    fns = {"t_loop": run_loop, "t_forward": run_forward, "t_pipe": run_pipe}
    names = list(fns)

    def timed(fn):
        gc.collect()
        t0 = time.perf_counter(); fn(); return time.perf_counter() - t0

    load_before = loadavg()
    for _ in range(args.warmup):
        for n in names: fns[n]()
    # sanity: the two samplers must produce the same image, else the timing compares different work
    max_abs_diff = float(np.abs(run_loop() - run_pipe()).max())

    times = {n: [] for n in names}
    orders = []
    for r in range(args.runs):
        order = names[r % 3:] + names[:r % 3]  # rotate the order so no measurement always goes first
        orders.append(order)
        for n in order: times[n].append(timed(fns[n]))
        print(f"run {r + 1}/{args.runs}: " + "  ".join(f"{n}={times[n][-1] * 1e3:.1f}ms" for n in names), flush=True)
    load_after = loadavg()

    med = {n: statistics.median(v) for n, v in times.items()}
    ratio_a, ratio_b = med["t_loop"] / med["t_forward"], med["t_loop"] / med["t_pipe"]
    paired_a = [l / f for l, f in zip(times["t_loop"], times["t_forward"])]
    paired_b = [l / p for l, p in zip(times["t_loop"], times["t_pipe"])]
    result = {
        "benchmark": "sampling_overhead",
        "date": utc_now(),
        "command": command_line(),
        "quick": args.quick,
        "settings": {"runs": args.runs, "warmup": args.warmup, "steps": S, "batch": B, "shape": list(shape), "seed": args.seed,
                     "threads_arg": args.threads, "weight_seed": WEIGHT_SEED, "timer": "time.perf_counter, gc.collect() before each"},
        "model": {"class": "UNet2DModel", "kwargs": to_jsonable(MODEL_KWARGS), "num_parameters": sum(p.numel() for p in unet.parameters()),
                  "config": to_jsonable(dict(unet.config))},
        "scheduler": {"class": "DDIMScheduler", "config": to_jsonable(dict(base.config))},
        "measurements": {
            "t_loop": "multidiff sample(DiffusersDenoiser(unet), GaussianScheduler(DDIMScheduler), shape, num_steps, generator, progress=False) + NormalizeCodec(0,1).decode -> NHWC numpy",
            "t_forward": "num_steps bare unet(x, t).sample calls under torch.no_grad(), t = scheduler timesteps (0-d tensors)",
            "t_pipe": "diffusers DDIMPipeline(unet, scheduler)(batch_size, num_inference_steps, generator, output_type='np'), progress bar disabled",
        },
        "max_abs_diff_loop_vs_pipe": max_abs_diff,
        "times_s": times,
        "run_orders": orders,
        "medians_s": med,
        "ratio_a": ratio_a,
        "ratio_b": ratio_b,
        "paired_ratio_a": paired_a,
        "paired_ratio_b": paired_b,
        "paired_ratio_a_median": statistics.median(paired_a),
        "paired_ratio_b_median": statistics.median(paired_b),
        "targets": TARGETS,
        "met": {"ratio_a": ratio_a <= TARGETS["ratio_a"], "ratio_b": ratio_b <= TARGETS["ratio_b"]},
        "environment": environment(loadavg_before=load_before, loadavg_after=load_after),
    }
    out = Path(args.out)
    write_json_atomic(out, result)

    if args.runs < 5 and not args.quick: print(f"warning: only {args.runs} runs; use >= 5 for a result worth reporting")
    print(f"\n{'quick smoke run' if args.quick else 'result'}: B={B}, {S} DDIM steps, {args.runs} runs, "
          f"{torch.get_num_threads()} threads, {cpu_model()}")
    print("medians: " + "  ".join(f"{n}={v * 1e3:.1f}ms" for n, v in med.items()))
    print(f"ratio_a = loop/forward = {ratio_a:.4f} (paired median {result['paired_ratio_a_median']:.4f}; target <= {TARGETS['ratio_a']}) "
          f"{'MET' if result['met']['ratio_a'] else 'NOT MET'}")
    print(f"ratio_b = loop/pipe    = {ratio_b:.4f} (paired median {result['paired_ratio_b_median']:.4f}; target <= {TARGETS['ratio_b']}) "
          f"{'MET' if result['met']['ratio_b'] else 'NOT MET'}")
    print(f"loop vs pipeline max abs diff: {max_abs_diff:.3g}")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
