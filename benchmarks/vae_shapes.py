"""The latent-diffusion VAE (`multidiff.image.vae`) on the captioned shapes world (`multidiff.image.shapes`, 64x64):
for each architecture, train `train_vae` for a few minutes on CPU threads, then score reconstructions
(PSNR in dB on RGB with peak 1, luma PSNR/SSIM) on unseen scenes of the train split and on the held-out split
(shape-colour pairs never trained on), with the parameter count, the saved `final/` folder's size, the latent size,
seconds per step and what one hour of training buys at that speed. Downsampling 4 (16x16 latents) against 8 (8x8),
wide (first width 32) against narrow (16); `f4_narrow` is `small_vae`'s default. Writes a JSON.

Each config trains for --minutes (default 5) of its own probed step time, so wide and narrow nets get the same CPU time;
--steps fixes the step count instead. Run from the repository root (about 25 min on one CPU thread with the defaults):
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/vae_shapes.py --out benchmarks/results/vae_shapes.json
Smoke test (not a result):
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/vae_shapes.py --quick --out /tmp/vae_quick.json
"""
import argparse, sys, tempfile, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, loadavg, utc_now, write_json_atomic
from multidiff.image.shapes import make_shapes
from multidiff.image.vae import VAEModel, as_images, downsampling, reconstruction_metrics, small_vae, train_vae

CONFIGS = {'f4': (32, 64, 64), 'f8': (32, 64, 64, 64), 'f4_narrow': (16, 32, 64), 'f8_narrow': (16, 32, 64, 64)}


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob('*') if f.is_file()) / 2 ** 20


def seconds_per_step(channels, train, batch_size: int, probes: int = 4) -> float:
    "The time of one training step (forward, backward, AdamW), median of `probes` after a warm-up step."
    m = VAEModel(small_vae(channels)); opt = torch.optim.AdamW(m.parameters(), 1e-3)
    x, times = as_images(train[:batch_size]), []
    gens = [torch.Generator().manual_seed(i) for i in range(batch_size)]
    for _ in range(probes + 1):
        t0 = time.perf_counter(); m(x, gens).backward(); opt.step(); opt.zero_grad(); times.append(time.perf_counter() - t0)
    return sorted(times[1:])[probes // 2]


def run_one(name: str, train, tests: dict, a, root: Path) -> dict:
    channels = CONFIGS[name]
    probe = seconds_per_step(channels, train, a.batch_size)
    steps = a.steps if a.minutes is None else max(10, int(a.minutes * 60 / probe))
    t0 = time.perf_counter()
    vae, trainer = train_vae(train, root / name, steps=steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed,
                             progress=False, channels=channels)
    train_s = time.perf_counter() - t0
    out = {'channels': list(channels), 'downsampling': downsampling(vae),
           'parameters': sum(p.numel() for p in vae.parameters()),
           'final_folder_mb': round(folder_mb(root / name / 'final'), 3),
           'scaling_factor': vae.config.scaling_factor, 'final_loss': trainer.last_log['loss'],
           'steps': steps, 'probe_seconds_per_step': round(probe, 3),
           'train_seconds': round(train_s, 1), 'seconds_per_step': round(train_s / steps, 3),
           'steps_per_hour_at_this_speed': int(3600 / (train_s / steps))}
    out['train_subset'] = reconstruction_metrics(vae, train[:a.test])  # latent_std ~1 here: the scaling factor
    for k, images in tests.items(): out[k] = reconstruction_metrics(vae, images)
    out['untrained_unseen'] = reconstruction_metrics(small_vae(channels), tests['unseen_train_split'])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--configs', default=','.join(CONFIGS), help=f'comma-separated, from {list(CONFIGS)}')
    p.add_argument('--train', type=int, default=4000, help='training scenes (train split, seed 0)')
    p.add_argument('--test', type=int, default=500, help='held-out scenes per test set')
    p.add_argument('--minutes', type=float, default=5.0, help='training time per config: steps = this / a probed step time')
    p.add_argument('--steps', type=int, default=None, help='a fixed number of steps instead of --minutes')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--quick', action='store_true', help='smoke test: 200 scenes, 20 steps, 50 test scenes')
    p.add_argument('--out', default='benchmarks/results/vae_shapes.json')
    a = p.parse_args()
    if a.quick: a.train, a.test, a.steps = 200, 50, 20
    if a.steps is not None: a.minutes = None
    torch.set_num_threads(a.threads)
    names = a.configs.split(',')
    if bad := [n for n in names if n not in CONFIGS]: sys.exit(f"unknown configs {bad}; choose from {list(CONFIGS)}")
    train = make_shapes(a.train, 'train', seed=a.seed)[0]
    tests = {'unseen_train_split': make_shapes(a.test, 'train', seed=a.seed + 1)[0],
             'heldout_split': make_shapes(a.test, 'heldout', seed=a.seed + 1)[0]}
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers', 'numpy')),
           'data': f'multidiff.image.shapes.make_shapes: {a.train} train-split scenes (seed {a.seed}); tests: '
                   f'{a.test} unseen train-split scenes and {a.test} held-out-split scenes (seed {a.seed + 1})',
           'loadavg_start': loadavg(),
           'training': {'minutes_per_config': a.minutes, 'steps': a.steps, 'batch_size': a.batch_size, 'lr': a.lr, 'seed': a.seed,
                        'loss': 'L1 + 1e-6 KL (train_vae defaults)', 'quick': a.quick},
           'configs': {}}
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            res['configs'][name] = r = run_one(name, train, tests, a, Path(d))
            print(name, {k: r[k] for k in ('parameters', 'final_folder_mb', 'steps', 'seconds_per_step')},
                  {k: round(r[k]['psnr'], 2) for k in ('unseen_train_split', 'heldout_split', 'untrained_unseen')},
                  'latent', r['unseen_train_split']['latent_shape'],
                  'train latent std', round(r['train_subset']['latent_std'], 3), flush=True)
            write_json_atomic(Path(a.out), res)  # after each config, so a long run leaves partial results
    res['loadavg_end'] = loadavg(); write_json_atomic(Path(a.out), res)
    print('wrote', a.out)


if __name__ == '__main__':
    main()
