"""Set5 x4 super-resolution: PSNR / SSIM on Y (4-pixel border crop) and consistency at several step counts, each the mean
over 4 seeds with its spread; bicubic beside it; speed of a 128x128 -> 512x512 upscale against a plain diffusers loop with
the same UNet, scheduler and steps in the same process; peak memory of a 1024x1024 output. Writes a JSON of results.

Run from the repository root (about 10 min on 2 idle CPU cores):
    .venv/bin/python benchmarks/sr_set5.py --out benchmarks/results/sr_set5.json
Protocol: HR = the Set5 PNGs in ../shared/data/sr/Set5 (MULTIDIFF_SHARED); LR = Pillow bicubic x1/4, rounded to 8 bits;
outputs rounded to 8 bits; PSNR/SSIM on Y of BT.601 (MATLAB rgb2ycbcr), 4-pixel border cropped. This Pillow bicubic scores
28.43 dB, the published bicubic row 28.42.
"""
import argparse, resource, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from multidiff.image.io import read_image, degrade, bicubic_resize
from multidiff.image.metrics import psnr_y, ssim_y, consistency_psnr
from multidiff.core.checkpoint import shared_dir
from multidiff.image.sr import sr_condition
from multidiff.image.sr_pipeline import SuperResolutionPipeline

q8 = lambda x: (x.clamp(0, 1) * 255).round() / 255  # as written to an 8-bit file


def scores(outs, pairs, scale):
    return {'psnr_y': float(np.mean([psnr_y(q8(o), hr, scale).item() for o, (hr, _) in zip(outs, pairs)])),
            'ssim_y': float(np.mean([ssim_y(q8(o), hr, scale).item() for o, (hr, _) in zip(outs, pairs)])),
            'consistency_psnr': float(np.mean([consistency_psnr(q8(o), lr, scale).item() for o, (_, lr) in zip(outs, pairs)])),
            'per_image_psnr_y': [round(psnr_y(q8(o), hr, scale).item(), 3) for o, (hr, _) in zip(outs, pairs)]}


def upscale(pipe: SuperResolutionPipeline, lr, steps, seed):
    "multidiff: the pipeline (its defaults: DDIM, trailing spacing, one 512-pixel tile)."
    return pipe(lr, num_inference_steps=steps, seed=seed).images[0]


def diffusers_loop(pipe: SuperResolutionPipeline, lr, steps, seed):
    "The baseline: a hand-written diffusers loop with the same denoiser, scheduler class/config and steps."
    from diffusers import DDIMScheduler
    # the pipeline's solver settings: trailing spacing, no x0 clipping (the residual state exceeds [-1, 1])
    sched = DDIMScheduler.from_config(pipe.scheduler.single_scheduler.config['diffusers_config'],
                                     timestep_spacing='trailing', clip_sample=False)
    sched.set_timesteps(steps)
    s = pipe.scale; H, W = lr.shape[-2] * s, lr.shape[-1] * s
    up = bicubic_resize(lr[None], (H, W)); cond = sr_condition(up)
    x = torch.randn((1, 3, H, W), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        for t in sched.timesteps:
            x = sched.step(pipe.denoiser(x, t.expand(1), cond), t, x).prev_sample
    return pipe.codec.given(up).decode(x)[0]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', default=None, help='pipeline folder (default: the shipped multidiff/pretrained/sr_x4)')
    p.add_argument('--steps', default='1,2,4,10,20', help='step counts to score (comma-separated; target: <= 20)')
    p.add_argument('--seeds', type=int, default=4)
    p.add_argument('--speed-steps', type=int, default=None, help='steps for the speed comparison (default: the best-PSNR setting)')
    p.add_argument('--speed-runs', type=int, default=11)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', default='benchmarks/results/sr_set5.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    pipe = SuperResolutionPipeline.from_pretrained(a.checkpoint or 'sr_x4')
    pipe.set_progress_bar_config(disable=True)
    s = pipe.scale
    files = sorted((shared_dir() / 'data' / 'sr' / 'Set5').glob('*.png'))
    if len(files) != 5: sys.exit(f"Set5 not found under {shared_dir()}/data/sr/Set5 (set MULTIDIFF_SHARED)")
    pairs = [(hr, degrade(hr, s)) for hr in (read_image(f).rgb for f in files)]
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers', 'PIL')),
           'checkpoint': str(a.checkpoint or 'multidiff/pretrained/sr_x4'), 'parameters': sum(p.numel() for p in pipe.denoiser.parameters()),
           'scale': s, 'images': [f.name for f in files], 'seeds': a.seeds,
           'targets': {'psnr_y': 30.0, 'max_steps': 20, 'speed_ratio_max': 1.0},
           'references': {'bicubic_published': 28.42, 'srcnn': 30.48, 'edsr': 32.46, 'swinir': 32.92}}
    res['bicubic'] = scores([bicubic_resize(lr, hr.shape[-2:]) for hr, lr in pairs], pairs, s)
    print('bicubic', res['bicubic'], flush=True)
    res['by_steps'] = {}
    for steps in [int(v) for v in a.steps.split(',')]:
        runs = []; t0 = time.perf_counter()
        for seed in range(a.seeds): runs.append(scores([upscale(pipe, lr, steps, seed) for _, lr in pairs], pairs, s))
        row = {k: {'mean': float(np.mean([r[k] for r in runs])), 'std': float(np.std([r[k] for r in runs])), 'per_seed': [r[k] for r in runs]}
               for k in ('psnr_y', 'ssim_y', 'consistency_psnr')}
        row['seconds_per_seed'] = round((time.perf_counter() - t0) / a.seeds, 2)
        res['by_steps'][str(steps)] = row
        print(steps, {k: (round(v['mean'], 3), round(v['std'], 3)) for k, v in row.items() if isinstance(v, dict)}, flush=True)
    best = max(res['by_steps'], key=lambda k: res['by_steps'][k]['psnr_y']['mean'])
    res['best'] = {'steps': int(best), **{k: res['by_steps'][best][k]['mean'] for k in ('psnr_y', 'ssim_y', 'consistency_psnr')},
                   'psnr_y_std_over_seeds': res['by_steps'][best]['psnr_y']['std']}
    # speed: 128x128 -> 512x512 (Set5 'baby', 512x512), ours vs a plain diffusers loop; interleaved, order alternating, medians
    lr = degrade(pairs[0][0], s)
    res['speed'] = {}
    for steps in sorted({a.speed_steps or int(best), 20}):
        ours, base = [], []
        for r in range(a.speed_runs):
            runs = [(ours, lambda: upscale(pipe, lr, steps, r)), (base, lambda: diffusers_loop(pipe, lr, steps, r))]
            for times, f in (runs if r % 2 == 0 else runs[::-1]):
                t0 = time.perf_counter(); out = f(); times.append(time.perf_counter() - t0)
        o, b = upscale(pipe, lr, steps, 0), diffusers_loop(pipe, lr, steps, 0)
        res['speed'][str(steps)] = {'input': list(lr.shape[-2:]), 'output': list(o.shape[-2:]), 'ours_seconds': ours, 'diffusers_loop_seconds': base,
                                    'ours_median': statistics.median(ours), 'diffusers_median': statistics.median(base),
                                    'ratio': statistics.median(ours) / statistics.median(base), 'max_abs_difference': float((o - b).abs().max())}
        print('speed', steps, {k: v for k, v in res['speed'][str(steps)].items() if 'seconds' not in k}, flush=True)
    steps = a.speed_steps or int(best)
    # memory: peak RSS of a fresh process upscaling 256x256 -> 1024x1024 with the CLI defaults
    with tempfile.TemporaryDirectory() as d:
        Image.fromarray((bicubic_resize(pairs[0][0], (256, 256)).clamp(0, 1).permute(1, 2, 0).numpy() * 255).astype(np.uint8)).save(f'{d}/in.png')
        cmd = [str(Path(sys.executable).parent / 'multidiff'), 'upscale', f'{d}/in.png', f'{d}/out.png', '--steps', str(steps)]
        if a.checkpoint: cmd += ['--checkpoint', a.checkpoint]
        t0 = time.perf_counter(); subprocess.run(cmd, check=True, capture_output=True)
        res['memory_1024'] = {'command': 'multidiff ' + ' '.join(cmd[1:]), 'seconds': round(time.perf_counter() - t0, 1),
                              'peak_rss_gb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2 ** 20,
                              'output_size': list(Image.open(f'{d}/out.png').size), 'target_gb': 3.0}
    print('memory', res['memory_1024'], flush=True)
    write_json_atomic(Path(a.out), res)
    print(f"wrote {a.out}")


if __name__ == '__main__':
    main()
