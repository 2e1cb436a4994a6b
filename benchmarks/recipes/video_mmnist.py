"""Recipe for the shipped Moving MNIST checkpoint (multidiff/pretrained/video_mmnist).

Trains the masked frame-stack model on Moving MNIST made on the fly at the CPU scale of the benchmark (two 14-pixel digits
on a 32x32 canvas, 1.8 pixels per frame, 16-frame windows) from the first 9,000 MNIST test digits in
../shared/data/video/mnist (read by path, never copied); the last 1,000 digits are held out for benchmarks/video_mmnist.py.
Then exports the EMA weights with a model card (--export, after the benchmark has run).

Run:  .venv/bin/python benchmarks/recipes/video_mmnist.py [--out runs/video_mmnist] [--steps 13000]   (resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/video_mmnist.py --export --bench benchmarks/results/video_mmnist.json
"""
import json, sys
from pathlib import Path
import numpy as np
from _recipe import recipe_args, train_segment, export, settings_line

DATA = dict(canvas=32, num_digits=2, frames=16, step=1.8, digit_size=14, train_digits=9000)
SETTINGS = dict(batch_size=16, lr=5e-4, seed=0, arch='framestack', prediction_type='sample', channels=(64, 128, 128), attention_levels=(1, 2), fold=2)

def digits(shared:Path, part:str) -> np.ndarray:
    "MNIST test digits resized to DATA['digit_size'] (bicubic): the first `train_digits` for 'train', the rest for 'test'."
    from PIL import Image
    from multidiff.video.data import mnist_digits
    root = shared / 'data' / 'video' / 'mnist'
    if not root.is_dir(): sys.exit(f"MNIST not found under {shared}/data/video: set MULTIDIFF_SHARED or --shared")
    ims = mnist_digits(root)[0]
    ims = ims[:DATA['train_digits']] if part == 'train' else ims[DATA['train_digits']:]
    s = DATA['digit_size']
    return np.stack([np.asarray(Image.fromarray(i).resize((s, s), Image.BICUBIC)) for i in ims])

def train_data(shared:Path):
    from multidiff.video.data import MovingDigits
    return MovingDigits(digits(shared, 'train'), canvas=DATA['canvas'], num_digits=DATA['num_digits'], frames=DATA['frames'],
                        step=DATA['step'], length=10 ** 7, seed=SETTINGS['seed'])

def card(m, bench):
    n = sum(p.numel() for p in m.parameters())
    body = [f"- **Model:** `FrameStackUNet` (the {DATA['frames']} frames of the window and their given-frame mask stacked as the channels of a diffusers `UNet2DModel`, "
            f"as in MCVD; frames folded 2x2; widths {list(SETTINGS['channels'])}, attention at levels {list(SETTINGS['attention_levels'])}), {n / 1e6:.2f}M parameters; "
            f"{SETTINGS['prediction_type']} (x0) prediction, cosine schedule, T=1000, sampled with 25 ancestral (DDPM) steps; trained with random given frames (none, a prefix, both ends, a random subset) kept clean and left out of the loss.",
            f"- **Data:** Moving MNIST made on the fly: {DATA['num_digits']} digits of {DATA['digit_size']} px (bicubic from 28 px) on a {DATA['canvas']}x{DATA['canvas']} canvas, "
            f"{DATA['step']} px per frame, from the first {DATA['train_digits']} MNIST test images (`../shared/data/video/mnist`); the last 1,000 are held out for the benchmark.",
            settings_line(SETTINGS, args.steps, f"{SETTINGS['batch_size']} clips")]
    measured = [f"## Measured (`{bench.get('command')}`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```"]
    return "masked space-time diffusion on Moving MNIST (32x32)", body, measured

if __name__ == '__main__':
    args = recipe_args('video_mmnist', 13000, __doc__)
    from multidiff.video.model import train_video, video_from_run, VideoDiffusion
    if args.export: export(args, video_from_run, VideoDiffusion.from_pretrained, card)
    else: train_segment(args.out, lambda resume: train_video(train_data(Path(args.shared)), args.out, steps=args.steps, resume=resume, progress=False, **SETTINGS))
