"""Moving MNIST at 32x32 (CPU scale: two 14-pixel digits on a 32x32 canvas, 1.8 px per frame): given 5 frames, predict 10,
at <= 25 steps, on 200 held-out sequences (digits the model never saw). Per-frame PSNR and SSIM (scikit-image's form), the
trivial baselines beside (black frame, last given frame copied), sharpness (bright-pixel count vs the truth's) and motion
(mean frame-to-frame change vs the truth's); speed of a 16-frame clip against a diffusers UNet3DConditionModel of similar
size run by the same loop in the same process. Writes a JSON of results.

Run from the repository root (about 5 min on 2 idle CPU cores):
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
from multidiff.molecules.metrics import shared_dir
from multidiff.video.data import MovingDigits
from multidiff.video.model import VideoDiffusion, video_pretrained, predict_video, generate_video
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


def loop(den, sched, shape, steps, seed):
    "A plain diffusers-style DDIM loop, no multidiff code."
    sched.set_timesteps(steps)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    cond = {'mask': torch.zeros(shape[0], 1, shape[2], 1, 1)}
    with torch.no_grad():
        for t in sched.timesteps: x = sched.step(den(x, t.expand(shape[0]), cond), t, x).prev_sample
    return x


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', default=None); p.add_argument('--sequences', type=int, default=200)
    p.add_argument('--steps', type=int, default=25); p.add_argument('--sampler', default='ddpm', help='ddpm (ancestral, the default of complete), ddim (deterministic), dpm++, ...'); p.add_argument('--context', type=int, default=5); p.add_argument('--future', type=int, default=10)
    p.add_argument('--batch', type=int, default=50); p.add_argument('--speed-runs', type=int, default=5); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2); p.add_argument('--out', default='benchmarks/results/video_mmnist.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = VideoDiffusion.from_pretrained(a.checkpoint) if a.checkpoint else video_pretrained()
    T = a.context + a.future
    test = MovingDigits(digits(shared_dir(), 'test'), canvas=DATA['canvas'], num_digits=DATA['num_digits'], frames=T, step=DATA['step'],
                        length=a.sequences, seed=10 ** 6)
    truth = torch.stack([test[i] for i in range(a.sequences)])
    t0 = time.time()
    pred = torch.cat([predict_video(model, truth[i:i + a.batch, :a.context], T, num_steps=a.steps, seed=a.seed + i, sampler=a.sampler) for i in range(0, a.sequences, a.batch)])
    pred_s = time.time() - t0
    s = prediction_scores(pred[:, a.context:], truth[:, a.context:], truth[:, :a.context])
    print({k: (round(v['psnr'], 2), round(v['ssim'], 3)) for k, v in s.items()}, 'bright', s['model']['bright_ratio'], flush=True)
    # speed: one 16-frame clip, ours vs a UNet3DConditionModel of similar size, the same plain loop and scheduler, interleaved
    from diffusers import DDIMScheduler
    sched = DDIMScheduler.from_config(model.scheduler.schedulers['_'].inner.config, timestep_spacing='trailing')
    ours_params = sum(p.numel() for p in model.parameters())
    ref, ref_params = unet3d_like(ours_params)
    shape = (1, 1, 16, model.size, model.size)
    ours_t, ref_t = [], []
    for r in range(a.speed_runs):
        t0 = time.perf_counter(); generate_video(model, 1, 16, num_steps=a.steps, seed=r); ours_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); loop(ref, sched, shape, a.steps, r); ref_t.append(time.perf_counter() - t0)
    speed = {'ours_seconds': ours_t, 'unet3d_seconds': ref_t, 'ours_median': statistics.median(ours_t), 'unet3d_median': statistics.median(ref_t),
             'ratio': statistics.median(ours_t) / statistics.median(ref_t), 'ours_parameters': ours_params, 'unet3d_parameters': ref_params,
             'note': 'the UNet3DConditionModel is untrained (its quality is not measured); the ratio compares cost at similar size'}
    print('speed', {k: v for k, v in speed.items() if not k.endswith('seconds')}, flush=True)
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers')),
           'checkpoint': a.checkpoint or 'multidiff/pretrained/video_mmnist', 'parameters': ours_params, 'data': DATA,
           'protocol': {'sequences': a.sequences, 'context': a.context, 'future': a.future, 'steps': a.steps, 'sampler': a.sampler, 'test_seed': 10 ** 6},
           'targets': {'ssim': 0.70, 'psnr': 18.0, 'bright_ratio': [0.7, 1.4], 'max_steps': 25, 'speed_ratio_max': 1.0},
           'scores': s, 'predict_seconds_total': pred_s, 'speed_16_frames': speed,
           'summary': {'ssim': s['model']['ssim'], 'psnr': s['model']['psnr'], 'bright_ratio': s['model']['bright_ratio'], 'motion_ratio': s['model']['motion_ratio'],
                       'black_frame': {'ssim': s['black_frame']['ssim'], 'psnr': s['black_frame']['psnr']},
                       'copy_last_frame': {'ssim': s['copy_last_frame']['ssim'], 'psnr': s['copy_last_frame']['psnr']},
                       'seconds_per_16_frame_clip': speed['ours_median'], 'speed_ratio_vs_unet3d': speed['ratio'], 'steps': a.steps}}
    write_json_atomic(Path(a.out), res)
    print('wrote', a.out, res['summary'])


if __name__ == '__main__':
    main()
