"""A small, deterministic training job for `test_trainer_processes.py` to launch as a subprocess.

It trains a 2-layer MLP on synthetic regression data (1024 samples, fixed seed) with
`multidiff.core.trainer.Trainer`. The model's forward draws a little input noise from the
per-sample generators the trainer passes in, so the trainer's randomness is exercised too.

Run it alone (`python tests/train_job.py --out DIR ...`) or under
`python -m torch.distributed.run --standalone --nproc_per_node 2 tests/train_job.py ...`.

Test hooks (they change timing only, never the numbers):
  --slow-checkpoint S  sleep S seconds after each checkpoint part is written, so a test can
                       kill the process while a checkpoint folder is half written;
  --step-sleep S       sleep S seconds in every forward, so a signal can land mid-training;
  --dump PATH          at the end write the raw (non-EMA) weights: PATH from rank 0 and
                       PATH.rank{r}.safetensors from every rank, with world/rank/step as metadata;
  --until N            fit(until=N): stop at step N with a checkpoint (config steps unchanged);
  --wait-for PATH      build the Trainer, print READY, and wait until PATH exists before fit(),
                       so a test can pay for a process's imports while another one is running.

A torchrun worker whose Trainer does not see the launched world size (distributed not
initialised) exits at once with an explanation instead of training as a second 'main' process.

Importing this module is cheap (torch only): tests use `build_model` and `make_data` to get
the initial weights without importing multidiff.
"""
import argparse, os, sys, time

import torch
from torch import nn

N_SAMPLES, N_IN, N_HIDDEN, N_OUT = 1024, 8, 32, 2
DATA_SEED, MODEL_SEED = 1234, 0
INPUT_NOISE = 0.05


def make_data(seed: int = DATA_SEED):
    "Synthetic regression data: (x, y) with y a smooth nonlinear function of x plus fixed noise."
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N_SAMPLES, N_IN, generator=g)
    w = torch.randn(N_IN, N_OUT, generator=g)
    y = torch.sin(x @ w) + 0.1 * torch.randn(N_SAMPLES, N_OUT, generator=g)
    return x, y


class NoisyMLP(nn.Module):
    "Regression MLP whose loss needs the trainer's per-sample generators (input noise)."
    def __init__(self, step_sleep: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(N_IN, N_HIDDEN), nn.Tanh(), nn.Linear(N_HIDDEN, N_OUT))
        self.step_sleep = step_sleep

    def forward(self, batch, generator=None):
        x, y = batch
        if generator is not None:
            assert len(generator) == len(x), f"{len(generator)} generators for {len(x)} samples"
            noise = torch.stack([torch.randn(x.shape[1], generator=g) for g in generator])
            x = x + INPUT_NOISE * noise
        if self.step_sleep: time.sleep(self.step_sleep)
        return nn.functional.mse_loss(self.net(x), y)


def build_model(seed: int = MODEL_SEED, step_sleep: float = 0.0) -> NoisyMLP:
    "The same initial weights in every process."
    torch.manual_seed(seed)
    return NoisyMLP(step_sleep)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', required=True, help='Trainer out_dir')
    p.add_argument('--steps', type=int, default=6)
    p.add_argument('--batch-size', type=int, default=16, help='global batch')
    p.add_argument('--grad-accum', type=int, default=1)
    p.add_argument('--ckpt-every', type=int, default=100)
    p.add_argument('--lr', type=float, default=1e-2)
    p.add_argument('--warmup-steps', type=int, default=2)
    p.add_argument('--ema-decay', type=float, default=0.9)
    p.add_argument('--seed', type=int, default=0, help='TrainConfig.seed (data order, per-sample noise)')
    p.add_argument('--resume', action='store_true')
    p.add_argument('--until', type=int, default=None, help='fit(until=N): stop at step N with a checkpoint')
    p.add_argument('--slow-checkpoint', type=float, default=0.0, metavar='SECONDS')
    p.add_argument('--step-sleep', type=float, default=0.0, metavar='SECONDS')
    p.add_argument('--dump', default=None, metavar='PATH')
    p.add_argument('--wait-for', default=None, metavar='PATH',
                   help='build everything, print READY, then wait until PATH exists before fit() (lets a test start '
                        'the next process, and pay for its imports, while the previous one is still running)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    from safetensors.torch import save_file
    from multidiff.core import checkpoint
    from multidiff.core.trainer import Trainer, TrainConfig

    if args.slow_checkpoint:  # patched in this process only
        write_part = checkpoint.CheckpointManager._write_part
        def slow_write_part(self, folder, name, obj):
            write_part(self, folder, name, obj)
            time.sleep(args.slow_checkpoint)
        checkpoint.CheckpointManager._write_part = slow_write_part

    cfg = TrainConfig(steps=args.steps, batch_size=args.batch_size, grad_accum=args.grad_accum, lr=args.lr,
                      warmup_steps=args.warmup_steps, grad_clip=1.0, ema_decay=args.ema_decay,
                      log_every=1000, ckpt_every=args.ckpt_every, keep_last=3, seed=args.seed, progress=False)
    trainer = Trainer(build_model(step_sleep=args.step_sleep), make_data(), cfg, out_dir=args.out)
    torch.set_num_threads(1)  # again: Accelerate may set it when it starts a multi-CPU run
    world, rank = trainer.acc.num_processes, int(os.environ.get('RANK', 0))
    launched = int(os.environ.get('WORLD_SIZE', 1))
    if (world, rank) != (launched, trainer.acc.process_index):  # fail fast: never let 2 'main' processes share --out
        raise SystemExit(f"train_job: launched as RANK={rank} of WORLD_SIZE={launched}, but the Trainer's Accelerator sees "
                         f"process {trainer.acc.process_index} of {world} (distributed_type={trainer.acc.distributed_type}): "
                         "torch.distributed was not initialised")
    if args.wait_for:
        print(f"READY pid={os.getpid()}", flush=True)
        while not os.path.exists(args.wait_for): time.sleep(0.02)
    print(f"START rank={rank} world={world} resume={args.resume} pid={os.getpid()}", flush=True)
    trainer.fit(resume=args.resume, until=args.until)
    print(f"DONE rank={rank} world={world} step={trainer.step}", flush=True)

    if args.dump:
        weights = {k: v.detach().cpu().contiguous().clone() for k, v in trainer.raw_model.state_dict().items()}
        meta = {'world': str(world), 'rank': str(rank), 'step': str(trainer.step)}
        if rank == 0: save_file(weights, args.dump, metadata=meta)
        save_file(weights, f"{args.dump}.rank{rank}.safetensors", metadata=meta)
    return trainer


if __name__ == '__main__':
    main()
    sys.exit(0)
