"""Recipe for the shipped Moving MNIST checkpoint (multidiff/pretrained/video_mmnist).

Trains the masked FrameTranslator model on Moving MNIST made on the fly at the CPU scale of the benchmark (two 14-pixel digits
on a 32x32 canvas, 1.8 pixels per frame, 16-frame windows) from the first 9,000 MNIST test digits in
../shared/data/video/mnist (read by path, never copied); the last 1,000 digits are held out for benchmarks/video_mmnist.py.
Three stages: `base` trains the model from scratch with uniform timesteps (runs/video_mmnist, its EMA model saved in
runs/video_mmnist/base_model); `focus` fine-tunes that model with half of the training timesteps in the noisiest 50,
where the window's future must come from the given frames alone (runs/video_mmnist_focus, saved in focus_model);
`predict` fine-tunes that one at a lower learning rate with more of its clips given a prefix, the prediction task
(runs/video_mmnist_predict). Then exports the EMA weights (--export: the run's pipeline folder, diffusers' layout, loaded by
`VideoPipeline.from_pretrained('video_mmnist')`), and after the benchmark has scored them writes the model card
(--export --card-only --bench). Every stage resumes an interrupted run.

Run:  .venv/bin/python benchmarks/recipes/video_mmnist.py --steps 8000                  (base stage)
      .venv/bin/python benchmarks/recipes/video_mmnist.py --stage focus --steps 3500    (from runs/video_mmnist/base_model)
      .venv/bin/python benchmarks/recipes/video_mmnist.py --stage predict --steps 5000  (from runs/video_mmnist_focus/focus_model)
      .venv/bin/python benchmarks/recipes/video_mmnist.py --export --steps 5000                     (the weights, then:)
      .venv/bin/python benchmarks/video_mmnist.py --out benchmarks/results/video_mmnist.json        (scores the shipped weights)
      .venv/bin/python benchmarks/recipes/video_mmnist.py --export --card-only --steps 5000 --bench benchmarks/results/video_mmnist.json
"""
import json, sys
from pathlib import Path
import numpy as np
from _recipe import recipe_args, train_segment, export, settings_line, stage_init, stage_commands

DATA = dict(canvas=32, num_digits=2, frames=16, step=1.8, digit_size=14, train_digits=9000)
SETTINGS = dict(batch_size=16, lr=5e-4, seed=0, arch='translator', prediction_type='sample', channels=(32, 64), latent=16, blocks=8, fold=2)
BASE_STEPS = 8000
FOCUS = dict(batch_size=16, lr=2e-4, seed=1, high_noise_fraction=0.5, config={'warmup_steps': 100, 'ckpt_every': 500})  # the fine-tuning stages
PREDICT = dict(FOCUS, lr=1e-4, seed=2, mask_probs=(0.1, 0.7, 0.1, 0.1))  # prefixes (prediction) 70% of clips, was 55%
STEPS = {'base': BASE_STEPS, 'focus': 3500, 'predict': 5000}

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

def train_data(shared:Path, seed:int=SETTINGS['seed']):
    from multidiff.video.data import MovingDigits
    return MovingDigits(digits(shared, 'train'), canvas=DATA['canvas'], num_digits=DATA['num_digits'], frames=DATA['frames'],
                        step=DATA['step'], length=10 ** 7, seed=seed)

LOAD_LINE = ("- **Load:** `from multidiff.video.pipeline import VideoPipeline; "
             "pipe = VideoPipeline.from_pretrained('video_mmnist')`, then `pipe(context=first_frames, num_frames=15).frames` "
             "(uint8 [B, 15, 32, 32]: the given frames, then predicted ones) or `pipe(num_videos=2).frames` (generated clips).")

def card(pipe, bench):
    n = sum(p.numel() for p in pipe.denoiser.parameters())
    body = [f"- **Model:** `FrameTranslator` (SimVP's shape: every frame of the {DATA['frames']}-frame window, with its given-frame flag, folded 2x2 and encoded alone by diffusers `ResnetBlock2D`s "
            f"(widths {list(SETTINGS['channels'])}) to a {SETTINGS['latent']}-channel 8x8 latent; the window's latents stacked and mixed by {SETTINGS['blocks']} ConvNeXt-style translator blocks; "
            f"every frame decoded with its own encoder's skips), {n / 1e6:.2f}M parameters; "
            f"{SETTINGS['prediction_type']} (x0) prediction, cosine schedule, T=1000; trained with random given frames (none, a prefix, both ends, a random subset) kept clean and left out of the loss.",
            f"- **Data:** Moving MNIST made on the fly: {DATA['num_digits']} digits of {DATA['digit_size']} px (bicubic from 28 px) on a {DATA['canvas']}x{DATA['canvas']} canvas, "
            f"{DATA['step']} px per frame, from the first {DATA['train_digits']} MNIST test images (`../shared/data/video/mnist`); the last 1,000 are held out for the benchmark.",
            LOAD_LINE,
            settings_line(SETTINGS, BASE_STEPS, f"{SETTINGS['batch_size']} clips", shipped=False) + " Base stage.",
            f"- **Focus stage:** {STEPS['focus']} more steps from the base model's EMA weights with half of the training timesteps in the noisiest 50 "
            f"(`high_noise_fraction=0.5`: the future must come from the given frames alone), fresh clips (data seed {FOCUS['seed']}), settings `{json.dumps(FOCUS)}`.",
            f"- **Predict stage:** {STEPS['predict']} more steps from the focus stage's EMA weights at half its learning rate, 70% of clips given a prefix (was 55%), "
            f"fresh clips (data seed {PREDICT['seed']}), settings `{json.dumps(PREDICT)}`, EMA 0.999 weights shipped.",
            "- **Sampling:** ancestral (DDPM); `VideoPipeline`'s defaults: for prediction (`pipe(context=...)`) 10 steps with "
            "classifier-free guidance 2 on the given frames (`ContextGuidance`), for generation 25 steps."]
    measured = [f"## Measured (`{bench.get('command')}`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```"]
    return "masked space-time diffusion on Moving MNIST (32x32)", body, measured

def train(args):
    from multidiff.video.model import train_video
    from multidiff.video.pipeline import VideoPipeline
    out = Path(args.out)
    if args.stage == 'base':
        train_segment(out, lambda resume: train_video(train_data(Path(args.shared)), out, steps=args.steps, resume=resume, progress=False, **SETTINGS))
        VideoPipeline.from_run(out).save_pretrained(out / 'base_model')
        return
    settings = FOCUS if args.stage == 'focus' else PREDICT
    start = VideoPipeline.from_pretrained(stage_init(args, 'model_index.json')).to_model()
    start.high_noise_fraction, start.mask_probs = settings['high_noise_fraction'], settings.get('mask_probs', start.mask_probs)
    kw = {k: v for k, v in settings.items() if k not in ('high_noise_fraction', 'mask_probs')}
    train_segment(out, lambda resume: train_video(train_data(Path(args.shared), kw['seed']), out, steps=args.steps, resume=resume, progress=False, start=start, **kw))
    VideoPipeline.from_run(out).save_pretrained(out / f'{args.stage}_model')  # the next stage starts here

if __name__ == '__main__':
    args = recipe_args('video_mmnist', None, __doc__, stages=('base', 'focus', 'predict'))
    if args.steps is None: args.steps = STEPS[args.stages[-1] if args.export else args.stage]
    from multidiff.video.pipeline import VideoPipeline
    if args.export: export(args, VideoPipeline.from_run, VideoPipeline.from_pretrained, card, stage_commands(args, STEPS))
    else: train(args)
