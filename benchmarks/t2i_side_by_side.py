"""The side-by-side half of benchmarks/text_to_image.py (--side-by-side MINUTES): multidiff's latent recipe against a
plain pixel-space UNet2DConditionModel (benchmarks/t2i_pixel_baseline.py), each given the same wall time on this
machine, then scored by the same judges on the same prompts and seeds.

The latent recipe's minutes pay for everything it needs: its VAE (--vae-share of the minutes), encoding the training
images, then the UNet for what is left (its step count set from a probe of the step time, since the trainer counts
steps, not seconds). The baseline's loop stops on the clock itself. Both use the recipe's data, tokenizer, text
encoder shape, batch size, learning rate, EMA and prompt dropout. A third arm measures the shipped model's text-encoder
choice: the same latent recipe with its text encoder frozen at its random initialisation (the stand-in for a frozen
pretrained encoder, none of which ships its weights in a PyPI package under a clean licence), reusing the first arm's VAE
and given the same UNet seconds."""
import sys, time
from pathlib import Path
import numpy as np
import torch

GROUPS = ('one_object', 'two_objects', 'heldout')


def _median_step_seconds(step, probes: int = 4) -> float:
    times = []
    for _ in range(probes + 1):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    return sorted(times[1:])[probes // 2]


def unet_step_seconds(tokenizer, vae, arch: dict, batch_size: int, lr: float) -> float:
    "One latent training step (forward, backward, AdamW) on random latents and token ids: the time, not the values, matters."
    from multidiff.image.text_to_image import text_to_image_model
    m = text_to_image_model(tokenizer, vae, **arch)
    params = [p for p in m.parameters() if p.requires_grad]
    opt, ema = torch.optim.AdamW(params, lr), [p.detach().clone() for p in params]  # the trainer keeps an EMA too
    size, c = m.denoiser.model.config.sample_size, m.denoiser.model.config.in_channels
    g = torch.Generator().manual_seed(0)
    batch = (torch.randn(batch_size, c, size, size, generator=g),
             torch.randint(0, len(tokenizer), (batch_size, tokenizer.model_max_length), generator=g))
    def step():
        m(batch).backward(); opt.step(); opt.zero_grad()
        with torch.no_grad(): torch._foreach_lerp_(ema, params, 0.001)
    return _median_step_seconds(step)


def vae_step_seconds(images: np.ndarray, channels, batch_size: int) -> float:
    from multidiff.image.vae import VAEModel, as_images, small_vae
    m = VAEModel(small_vae(channels)); opt = torch.optim.AdamW(m.parameters(), 1e-3)
    x = as_images(images[:batch_size]); gens = [torch.Generator().manual_seed(i) for i in range(batch_size)]
    def step():
        m(x, gens).backward(); opt.step(); opt.zero_grad()
    return _median_step_seconds(step)


def train_vae_within(images, budget: float, a, root: Path, recipe) -> tuple:
    "The recipe's VAE for --vae-share of `budget` seconds: (vae, steps, seconds)."
    from multidiff.image.vae import train_vae
    t0, cfg = time.perf_counter(), recipe.VAE
    steps = max(10, int(a.vae_share * budget / vae_step_seconds(images, cfg['channels'], cfg['batch_size'])))
    vae, _ = train_vae(images[:recipe.DATA['vae_images']], root / 'vae', steps=steps, progress=False, **cfg)
    return vae, steps, time.perf_counter() - t0


def train_latent(images, captions, tokenizer, vae, budget_left: float, root: Path, recipe,
                 freeze_text_encoder: bool = False) -> tuple:
    "The recipe's UNet (and text encoder, unless frozen) on `vae`'s latents, with the steps `budget_left` seconds buy."
    from multidiff.image.text_to_image import text_to_image_data, train_text_to_image
    unet_cfg, t0 = recipe.UNET, time.perf_counter()
    arch = {**unet_cfg['arch'], 'freeze_text_encoder': freeze_text_encoder}
    text_to_image_data(vae, tokenizer, images[:512], captions[:512])  # encoding all images is part of the cost
    encode_s = (time.perf_counter() - t0) * len(images) / 512
    per_step = unet_step_seconds(tokenizer, vae, arch, unet_cfg['batch_size'], unet_cfg['lr'])
    steps = max(10, int((budget_left - (time.perf_counter() - t0) - encode_s) / per_step))
    model, trainer = train_text_to_image((images, captions), root, steps=steps, progress=False, vae=vae,
                                         tokenizer=tokenizer, **{**unet_cfg, 'arch': arch})
    return model.to_pipeline(), {'unet_steps': steps, 'unet_probe_seconds_per_step': round(per_step, 3),
                                 'unet_seconds': round(time.perf_counter() - t0, 1),
                                 'final_loss': trainer.last_log.get('loss')}


def latent_arms(images, captions, tokenizer, budget: float, a, root: Path, recipe, clf, evaluate_prompts) -> dict:
    "The latent recipe with its text encoder trained jointly (the shipped choice) and frozen at its random init, each in `budget`."
    vae, vae_steps, vae_s = train_vae_within(images, budget, a, root, recipe)
    out = {}
    for arm, freeze in (('latent', False), ('latent_frozen_text', True)):
        pipe, info = train_latent(images, captions, tokenizer, vae, budget - vae_s, root / arm, recipe, freeze)
        pipe.set_progress_bar_config(disable=True)
        out[f'{arm}_training'] = {'vae_steps': vae_steps, 'vae_seconds': round(vae_s, 1), **info,
                                  'seconds': round(vae_s + info['unet_seconds'], 1)}
        out[arm], _ = evaluate_prompts(pipe, clf, a)
    return out


def side_by_side(a, clf, evaluate_prompts) -> dict:
    "Both recipes trained for a.side_by_side minutes each, then scored alike."
    if a.sampler not in ('dpm++', 'ddim'): sys.exit("--side-by-side samples both arms with --sampler dpm++ or ddim")
    import tempfile
    sys.path.insert(0, str(Path(__file__).resolve().parent / 'recipes'))
    import text_to_image_shapes as recipe
    import t2i_pixel_baseline as pixel
    from multidiff.core.text import build_word_tokenizer
    from multidiff.image.shapes import make_shapes
    n = 512 if a.quick else recipe.DATA['unet_images']
    images, captions, _ = make_shapes(n, recipe.DATA['split'], recipe.DATA['seed'])
    tokenizer = build_word_tokenizer(captions, max_length=recipe.DATA['max_length'])
    budget, out = a.side_by_side * 60, {'minutes_each': a.side_by_side, 'train_images': n}
    with tempfile.TemporaryDirectory() as d:
        out.update(latent_arms(images, captions, tokenizer, budget, a, Path(d), recipe, clf, evaluate_prompts))
    u = recipe.UNET
    unet, enc = pixel.pixel_model(tokenizer, text_width=u['arch']['text_width'], text_layers=u['arch']['text_layers'],
                                  heads=u['arch']['heads'], seed=u['seed'])
    out['pixel_training'] = pixel.train_pixel(images, captions, tokenizer, unet, enc, seconds=budget,
                                              batch_size=u['batch_size'], lr=u['lr'], cond_dropout=u['cond_dropout'],
                                              seed=u['seed'], log=lambda *x: None)
    out['pixel_training']['parameters'] = pixel.pixel_parameters(unet, enc)
    def sample_fn(prompts):
        t0 = time.perf_counter()
        ims = pixel.sample_pixel(unet, enc, tokenizer, prompts, num_inference_steps=a.steps,
                                 guidance_scale=a.guidance, seed=a.seed, batch_size=a.batch, scheduler=a.sampler)
        return ims, (time.perf_counter() - t0) / len(prompts)
    out['pixel'], _ = evaluate_prompts(None, clf, a, sample_fn)
    arms = ('latent', 'latent_frozen_text', 'pixel')
    out['summary'] = {
        'minutes_each': a.side_by_side,
        'training_seconds': {arm: round(out[f'{arm}_training']['seconds'], 1) for arm in arms},
        'training_steps': {'vae': out['latent_training']['vae_steps'], 'latent_unet': out['latent_training']['unet_steps'],
                           'latent_frozen_text_unet': out['latent_frozen_text_training']['unet_steps'],
                           'pixel': out['pixel_training']['steps']},
        'exact_match': {arm: out[arm]['exact'] for arm in arms},
        'latent_higher_than_pixel_on_every_accuracy': all(
            out['latent']['exact'][j][g] > out['pixel']['exact'][j][g] for j in out['latent']['exact'] for g in GROUPS),
        'seconds_per_image': {arm: out[arm]['seconds_per_image'] for arm in arms},
        'sampling_speedup_latent_vs_pixel': round(out['pixel']['seconds_per_image'] /
                                                  out['latent']['seconds_per_image'], 2)}
    return out
