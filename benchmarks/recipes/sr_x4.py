"""Recipe for the shipped x4 super-resolution checkpoint (multidiff/pretrained/sr_x4).

Trains on random 96-pixel crops of BSD100 (../shared/data/sr/BSD100, read by path, never copied) plus the project's
scikit-image sample photos (data/photos, public domain / CC0); Set5, the benchmark's test set, is never seen.
Two stages: `base` trains from scratch with uniform timesteps and saves its EMA model to OUT/base_model; `focus`
fine-tunes that model with half of the training timesteps in the noisiest 50 (`high_noise_fraction`), where the
one-step upscale starts. Then exports the focus run's final/ (the EMA pipeline `train_sr` writes in diffusers' layout)
as the shipped folder (--export), and after benchmarks/sr_set5.py has scored it writes the model card
(--export --card-only --bench).

Run:  .venv/bin/python benchmarks/recipes/sr_x4.py --steps 8000                 (base stage, runs/sr_x4; resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/sr_x4.py --stage focus --steps 6000    (runs/sr_x4_focus, from runs/sr_x4/base_model)
      .venv/bin/python benchmarks/recipes/sr_x4.py --export --steps 6000                          (the weights, then:)
      .venv/bin/python benchmarks/sr_set5.py --out benchmarks/results/sr_set5.json                (scores the shipped weights)
      .venv/bin/python benchmarks/recipes/sr_x4.py --export --card-only --steps 6000 --bench benchmarks/results/sr_set5.json
"""
import json, sys
from pathlib import Path
from _recipe import ROOT, recipe_args, train_segment, export, settings_line, stage_init, stage_commands

SETTINGS = dict(scale=4, crop=96, batch_size=16, lr=4e-4, seed=0, channels=(64, 128, 128, 128), layers_per_block=1)
FOCUS = dict(scale=4, crop=96, batch_size=16, lr=2e-4, seed=0, high_noise_fraction=0.5, config={'warmup_steps': 100, 'ckpt_every': 500})

def train_images(shared:Path) -> list:
    bsd = sorted((shared / 'data' / 'sr' / 'BSD100').glob('*.png'))
    if not bsd: sys.exit(f"BSD100 not found under {shared}/data/sr: set MULTIDIFF_SHARED or --shared")
    return bsd + sorted((ROOT / 'data' / 'photos').glob('*.png'))

LOAD_LINE = ("- **Load:** `from multidiff.image.sr_pipeline import SuperResolutionPipeline; "
             "pipe = SuperResolutionPipeline.from_pretrained('sr_x4')`, then `pipe(lr).images` "
             "(lr: [B, 3, h, w] in [0, 1] or a PIL image) or `pipe.upscale_file(src, dst)`.")

def card(pipe, bench):
    n = sum(p.numel() for p in pipe.denoiser.parameters())
    body = [f"- **Model:** `SRDenoiser` over a diffusers UNet2DModel, {n / 1e6:.2f}M parameters, widths {list(SETTINGS['channels'])}, "
            f"{SETTINGS['layers_per_block']} ResNet layer per block, run at the input's resolution (space-to-depth by 4); v-prediction, cosine schedule, T=1000; "
            "the state is 8 x (HR - bicubic(LR)); conditioning noise augmentation up to 0.1 on half of the pairs.",
            f"- **Data:** random {SETTINGS['crop']}-pixel HR crops (flips, 90-degree turns) of BSD100 (100 images, `../shared/data/sr/BSD100`) "
            "and the 5 scikit-image photos in `data/photos`; LR by Pillow bicubic downsampling rounded to 8 bits. Set5 (the test set) was not used.",
            LOAD_LINE,
            settings_line(SETTINGS, args.base_steps, f"batch {SETTINGS['batch_size']}", shipped=False) + " Base stage.",
            f"- **Focus stage:** {args.steps} more steps from the base model's EMA weights with half of the training timesteps in the noisiest 50 "
            f"(where the one-step upscale starts; `high_noise_fraction=0.5`), settings `{json.dumps(FOCUS)}`, EMA 0.999 weights shipped."]
    if not bench: return "x4 super-resolution diffusion (SR3-style, residual over bicubic)", body, []
    bic, rows, sp, mem = bench['bicubic'], bench['by_steps'], bench['speed'], bench['memory_1024']
    measured = [f"## Measured (`{bench.get('command', 'benchmarks/sr_set5.py')}`; Set5 x4, PSNR/SSIM on Y with a 4-pixel border, mean over {bench['seeds']} seeds ± std)", "",
                "| method | DDIM steps | PSNR-Y (dB) | SSIM-Y | consistency PSNR (dB) |", "|---|---|---|---|---|",
                f"| bicubic (Pillow; published 28.42) | - | {bic['psnr_y']:.2f} | {bic['ssim_y']:.4f} | {bic['consistency_psnr']:.2f} |",
                *[f"| multidiff sr_x4 | {k} | {r['psnr_y']['mean']:.2f} ± {r['psnr_y']['std']:.3f} | {r['ssim_y']['mean']:.4f} | {r['consistency_psnr']['mean']:.2f} |" for k, r in rows.items()],
                "| SRCNN / EDSR / SwinIR (published) | - | 30.48 / 32.46 / 32.92 | - | - |", "",
                "Speed, 128x128 -> 512x512, median of interleaved runs against a plain diffusers loop with the same UNet, scheduler and steps: "
                + "; ".join(f"{k} step(s) {v['ours_median']:.3f} s vs {v['diffusers_median']:.3f} s (ratio {v['ratio']:.3f}; outputs equal up to float rounding, max |diff| {v['max_abs_difference']:.1e}: ours runs the UNet channels-last)" for k, v in sp.items()) + ".",
                f"Peak RSS of `multidiff upscale` for a 1024x1024 output: {mem['peak_rss_gb']:.2f} GB ({mem['seconds']} s)."]
    return "x4 super-resolution diffusion (SR3-style, residual over bicubic)", body, measured

def finished_run(run):
    "A finished run's EMA pipeline: its final/ folder, written by the trainer at the last step."
    from multidiff.image.sr_pipeline import SuperResolutionPipeline
    final = Path(run) / 'final'
    if not (final / 'model_index.json').exists(): sys.exit(f"{final} is missing: finish the run first (rerun its stage: it resumes)")
    return SuperResolutionPipeline.from_pretrained(final)

def train(args):
    from multidiff.image.sr import train_sr
    images, out = train_images(Path(args.shared)), Path(args.out)
    if args.stage == 'base':
        train_segment(out, lambda resume: train_sr(images, out, steps=args.steps, resume=resume, progress=False, **SETTINGS))
        if (out / 'final').exists(): finished_run(out).save_pretrained(out / 'base_model')  # the next stage's start
        return
    init = stage_init(args, 'model_index.json')
    train_segment(out, lambda resume: train_sr(images, out, steps=args.steps, resume=resume, progress=False, init=init, **FOCUS))

if __name__ == '__main__':
    args = recipe_args('sr_x4', 8000, __doc__, stages=('base', 'focus'))
    args.base_steps = 8000  # the base stage's steps, for the card
    from multidiff.image.sr_pipeline import SuperResolutionPipeline
    if args.export: export(args, finished_run, SuperResolutionPipeline.from_pretrained, card, stage_commands(args, args.base_steps))
    else: train(args)
