"""Recipe for the shipped text-to-image checkpoint (multidiff/pretrained/text_to_image_shapes).

Trains on the project's captioned-shapes world (`multidiff.image.shapes`, made on the spot: nothing downloaded), train
split only: no green triangle and no yellow circle is ever seen; they appear only in the benchmark's held-out prompts.
Two stages: `vae` trains the small AutoencoderKL (64x64x3 -> 16x16x4, L1 + 1e-6 KL, latents scaled to unit variance)
with multidiff's Trainer and saves it to runs/text_to_image_shapes/vae_model; `unet` trains the cross-attention UNet
and its word-level CLIP text encoder together on that VAE's latents (runs/text_to_image_shapes_unet). Then exports
the EMA weights as a TextToImagePipeline folder in Stable Diffusion's layout (--export), and after
benchmarks/text_to_image.py has scored them writes the model card (--export --card-only --bench). Every stage resumes
an interrupted run.

Run:  .venv/bin/python benchmarks/recipes/text_to_image_shapes.py --steps 3000                  (vae stage)
      .venv/bin/python benchmarks/recipes/text_to_image_shapes.py --stage unet --steps 3000     (from runs/text_to_image_shapes/vae_model)
      .venv/bin/python benchmarks/recipes/text_to_image_shapes.py --export --steps 3000                      (the weights, then:)
      .venv/bin/python benchmarks/text_to_image.py --out benchmarks/results/text_to_image.json             (scores the shipped weights)
      .venv/bin/python benchmarks/recipes/text_to_image_shapes.py --export --card-only --steps 3000 --bench benchmarks/results/text_to_image.json
"""
import json
from pathlib import Path
from _recipe import recipe_args, train_segment, export, settings_line, stage_init, stage_commands, stage_model

DATA = dict(split='train', seed=0, vae_images=20000, unet_images=40000, max_length=16)
VAE = dict(batch_size=16, lr=1e-3, seed=0, channels=(16, 32, 64), kl_weight=1e-6)
UNET = dict(batch_size=64, lr=4e-4, seed=0, cond_dropout=0.1,
            arch=dict(channels=(64, 128, 128), layers_per_block=1, heads=4, text_width=128, text_layers=2))
STEPS = {'vae': 3000, 'unet': 3000}


def shapes(n: int):
    "The first `n` train-split scenes (seed 0): images uint8 [n, 64, 64, 3] and captions."
    from multidiff.image.shapes import make_shapes
    images, captions, _ = make_shapes(n, DATA['split'], DATA['seed'])
    return images, captions


LOAD_LINE = ("- **Load:** `from multidiff.image.text_to_image import TextToImagePipeline; "
             "pipe = TextToImagePipeline.from_pretrained('text_to_image_shapes')`, then "
             "`pipe('a large red circle in the middle', seed=0, output_type='pil').images[0]` "
             "(a 64x64 image); `pipe.img2img`, `pipe.inpaint`, `pipe.outpaint` edit; "
             "or `multidiff sample image --prompt ... --out DIR`.")


def card(pipe, bench):
    n_unet = sum(p.numel() for p in pipe.unet.parameters())
    n_text = sum(p.numel() for p in pipe.text_encoder.parameters())
    n_vae = sum(p.numel() for p in pipe.vae.parameters())
    a = UNET['arch']
    body = [f"- **Model:** latent diffusion. VAE: diffusers `AutoencoderKL`, widths {list(VAE['channels'])}, 64x64x3 -> 16x16x4, "
            f"{n_vae / 1e6:.2f}M parameters, scaling factor {pipe.vae.config.scaling_factor:.3f}. UNet: diffusers `UNet2DConditionModel`, "
            f"widths {list(a['channels'])}, cross-attention at every level, {n_unet / 1e6:.2f}M parameters. Text encoder: a "
            f"{a['text_layers']}-layer, {a['text_width']}-wide transformers `CLIPTextModel` ({n_text / 1e6:.2f}M parameters) over a "
            f"word-level tokenizer of the captions' {len(pipe.tokenizer)} tokens, trained with the UNet from scratch. "
            "v-prediction, SD's scaled-linear schedule rescaled to zero terminal SNR, T=1000; prompts dropped to '' 10% of the time "
            "(classifier-free guidance).",
            f"- **Data:** the captioned-shapes world (`multidiff.image.shapes`, made by the project), train split, seed {DATA['seed']}: "
            f"the first {DATA['vae_images']} scenes for the VAE, the first {DATA['unet_images']} for the UNet. No green triangle "
            "and no yellow circle was seen in training (held out for the benchmark's compositional prompts).",
            LOAD_LINE,
            settings_line(VAE, STEPS['vae'], f"{VAE['batch_size']} images", shipped=False) + " VAE stage (EMA 0.999 weights kept).",
            settings_line({k: v for k, v in UNET.items()}, STEPS['unet'], f"{UNET['batch_size']} latents") + " UNet stage."]
    if not bench: return "text to image on captioned shapes (latent diffusion, 64x64)", body, []
    measured = [f"## Measured (`{bench.get('command')}`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```"]
    return "text to image on captioned shapes (latent diffusion, 64x64)", body, measured


def train(args):
    from multidiff.image.vae import train_vae
    out = Path(args.out)
    if args.stage == 'vae':
        images, _ = shapes(DATA['vae_images'])
        kw = {k: v for k, v in VAE.items() if k != 'channels'}
        def run(resume):
            vae, trainer = train_vae(images, out, steps=args.steps, resume=resume, progress=False, channels=VAE['channels'], **kw)
            if trainer.step >= args.steps: vae.save_pretrained(stage_model(args, 'vae'))  # finished (scaled) only
        train_segment(out, run)
        return
    from multidiff.core.text import build_word_tokenizer
    from multidiff.image.text_to_image import train_text_to_image
    vae_dir = stage_init(args, 'config.json')
    images, captions = shapes(DATA['unet_images'])
    tokenizer = build_word_tokenizer(captions, max_length=DATA['max_length'])
    train_segment(out, lambda resume: train_text_to_image((images, captions), out, steps=args.steps, resume=resume,
                                                          progress=False, vae=vae_dir, tokenizer=tokenizer, **UNET))


if __name__ == '__main__':
    args = recipe_args('text_to_image_shapes', None, __doc__, stages=('vae', 'unet'))
    if args.steps is None: args.steps = STEPS[args.stages[-1] if args.export else args.stage]
    if args.export: STEPS['unet'] = args.steps  # the card and its commands say the steps the run took
    from multidiff.image.text_to_image import TextToImagePipeline
    if args.export: export(args, TextToImagePipeline.from_run, TextToImagePipeline.from_pretrained, card, stage_commands(args, STEPS))
    else: train(args)
