"""The pixel-space baseline of benchmarks/text_to_image.py: a plain `UNet2DConditionModel` on 64x64 RGB
pixels (no VAE) reading the same small CLIP text encoder as multidiff's latent recipe, the two trained jointly
and sampled the plain diffusers way.

Hand-written on purpose, without multidiff's trainer, scheduler or sampler: the training loop follows
diffusers' examples/text_to_image/train_text_to_image.py (DDPMScheduler, `add_noise`, MSE on the noise, AdamW,
warm-up then cosine lr from `get_scheduler`, gradient clipping, `EMAModel`) and the sampler follows
StableDiffusionPipeline's classifier-free-guidance loop, so the benchmark compares multidiff's latent recipe
with what a diffusers user would write. Only the text side is multidiff's (`build_word_tokenizer`,
`small_clip_text_encoder`, `tokenize_prompts`, `encode_tokens`), so that the comparison isolates latent
against pixel diffusion.

Choices that give pixel space a fair chance:
- DDPM's linear betas (1e-4 to 0.02), epsilon prediction: SD's scaled-linear betas are tuned for latents and
  leave 6.8% of the image in the noise at t=999 (linear: 0.6%);
- attention (self and cross) at 16x16 and 8x8 only, as pixel-space UNets do (DDPM): self-attention over 64x64
  pixels makes a step ~9x slower on CPU (`pixel_model`'s `attention` puts it back);
- trailing sampling timesteps (the first step starts at pure noise) and predicted clean images clipped to
  [-1, 1] while sampling (diffusers' `clip_sample` / `thresholding`, meant for pixel-space models).

Smoke run (seconds, not a result):  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/t2i_pixel_baseline.py
"""
import math, time
from pathlib import Path
from typing import Callable, Optional
import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, UNet2DConditionModel
from diffusers.optimization import get_scheduler
from diffusers.training_utils import EMAModel
from transformers import CLIPTextModel
from multidiff.core.text import encode_tokens, padding_id, small_clip_text_encoder, tokenize_prompts

# The training noise schedule; the samplers are built `from_config` of it.
SCHEDULE = dict(num_train_timesteps=1000, beta_schedule='linear', beta_start=1e-4, beta_end=0.02,
                prediction_type='epsilon', timestep_spacing='trailing', clip_sample=True)
# A level's blocks: (down block, up block, cross-attention only).
ATTENTION = {'full': ('CrossAttnDownBlock2D', 'CrossAttnUpBlock2D', False), # self- and cross-attention
             'cross': ('CrossAttnDownBlock2D', 'CrossAttnUpBlock2D', True), # text cross-attention only
             'none': ('DownBlock2D', 'UpBlock2D', False)} # ResNet blocks only


def pixel_scheduler() -> DDPMScheduler:
    "The training scheduler: DDPM's linear betas, epsilon prediction (see SCHEDULE)."
    return DDPMScheduler(**SCHEDULE)


def pixel_model(tokenizer, # from multidiff.core.text.build_word_tokenizer
                channels:tuple=(32, 64, 128, 128), # UNet widths, one level each (64, 32, 16, 8 px)
                layers_per_block:int=1, heads:int=4, # attention heads per level (and of the text encoder)
                text_width:int=128, text_layers:int=2, # the text encoder (= cross_attention_dim)
                norm_num_groups:int=32, # must divide every width
                attention:Optional[tuple]=None, # a key of ATTENTION per level (None: 'full' at 16, 8 px only)
                seed:int=0) -> tuple: # -> (unet, text_encoder), untrained
    """An untrained pixel-space cross-attention UNet and its CLIP text encoder (global RNG untouched).

    `attention=('full',) * 4` gives every level the latent model's blocks (self- and cross-attention), at
    ~9x the default's step time on CPU; 'cross' at 64 and 32 px keeps only text cross-attention there
    (~2.3x)."""
    n = len(channels)
    attention = tuple(attention or ('none',) * max(0, n - 2) + ('full',) * min(n, 2))
    if len(attention) != n or not set(attention) <= set(ATTENTION):
        raise ValueError(f"attention must give one of {sorted(ATTENTION)} per level ({n}), got {attention}")
    down, up, only_cross = zip(*(ATTENTION[a] for a in attention))
    enc = small_clip_text_encoder(len(tokenizer), text_width, text_layers, tokenizer.model_max_length,
                                  heads=heads, seed=seed, pad_token_id=tokenizer.pad_token_id,
                                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = UNet2DConditionModel(sample_size=64, in_channels=3, out_channels=3,
                                    block_out_channels=tuple(channels), layers_per_block=layers_per_block,
                                    down_block_types=down, up_block_types=up[::-1],
                                    only_cross_attention=only_cross, mid_block_only_cross_attention=False,
                                    attention_head_dim=heads, cross_attention_dim=text_width,
                                    norm_num_groups=norm_num_groups)
    return unet, enc


def pixel_parameters(unet, text_encoder) -> int:
    "Parameters of the UNet and the text encoder together (all trained)."
    return sum(p.numel() for m in (unet, text_encoder) for p in m.parameters())


def to_pixels(images) -> torch.Tensor: # uint8 [B, 64, 64, 3] -> float [B, 3, 64, 64] in [-1, 1]
    "Images as the UNet's inputs."
    return torch.as_tensor(np.asarray(images)).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def _batches(n:int, batch_size:int, g:torch.Generator):
    "Endless shuffled index batches: a new permutation each epoch, its incomplete last batch dropped."
    while True:
        perm = torch.randperm(n, generator=g)
        for i in range(0, n - batch_size + 1, batch_size): yield perm[i:i + batch_size]


def _lr_schedule(opt, steps:int, done:int=0):
    "Linear warm-up over a tenth of the run (at most 200 steps), then cosine to 0; `done` steps already in."
    sched = get_scheduler('cosine', opt, num_warmup_steps=min(200, max(1, steps // 10)),
                          num_training_steps=steps)
    for _ in range(done): sched.step()
    return sched


def train_pixel(images, captions:list, # uint8 [N, 64, 64, 3]; one caption each
                tokenizer, unet, text_encoder, # from `pixel_model`; trained in place, EMA weights at the end
                seconds:Optional[float]=None, steps:Optional[int]=None, # stop at whichever comes first
                batch_size:int=64, lr:float=4e-4,
                cond_dropout:float=0.1, # share of captions replaced by '' (for classifier-free guidance)
                seed:int=0, log:Callable=print, log_every:int=25) -> dict:
    """Train `unet` and `text_encoder` jointly with diffusers' text-to-image loop.

    Returns {'steps', 'seconds', 'final_loss' (mean of the last 50 steps), 'samples_per_second'}.
    With `seconds` and no `steps` the run's length, which the cosine lr needs, is unknown: the first 5 steps
    run under a 200-step warm-up (the longest), the speed of steps 2-5 fixes the step count that fits the
    budget, and the lr schedule of that count goes on from step 5. The run still stops when `seconds` are
    spent, so a machine that slows down cuts the cosine short."""
    if seconds is None and steps is None: raise ValueError("Give seconds= or steps= (or both)")
    t0, probe, g = time.perf_counter(), 5, torch.Generator().manual_seed(seed)
    ids, null = tokenize_prompts(tokenizer, list(captions)), tokenize_prompts(tokenizer, '')
    pad = padding_id(tokenizer)
    if len(ids) != len(images): raise ValueError(f"Got {len(images)} images but {len(ids)} captions")
    noise_scheduler, bs = pixel_scheduler(), min(batch_size, len(images))
    params = [*unet.parameters(), *text_encoder.parameters()]
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)  # the example's
    total = steps if steps is not None else 10 ** 9
    lr_sched = _lr_schedule(opt, steps or 2000)  # with `seconds` only: provisional, a 200-step warm-up
    ema = EMAModel(params, decay=0.999)
    unet.train(); text_encoder.train()
    losses, batches, step = [], _batches(len(images), bs, g), 0
    while step < total and (seconds is None or time.perf_counter() - t0 < seconds):
        idx = next(batches)
        x = to_pixels(images[idx.numpy()])
        tok = torch.where((torch.rand(bs, generator=g) < cond_dropout)[:, None], null, ids[idx])
        noise = torch.randn(x.shape, generator=g)
        t = torch.randint(0, noise_scheduler.config.num_train_timesteps, (bs,), generator=g)
        pred = unet(noise_scheduler.add_noise(x, noise, t), t,
                    encoder_hidden_states=encode_tokens(text_encoder, tok, pad)).sample
        loss = F.mse_loss(pred.float(), noise.float(), reduction='mean')
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); lr_sched.step(); opt.zero_grad(set_to_none=True)
        ema.step(params)
        step += 1; losses.append(loss.item())
        if step == 1: t1 = time.perf_counter()
        if step == probe and steps is None:  # fix the run's length from the speed of steps 2..5
            per_step = (time.perf_counter() - t1) / (probe - 1)
            total = probe + max(0, int((seconds - (time.perf_counter() - t0)) / per_step))
            lr_sched = _lr_schedule(opt, total, done=probe)
            log(f"pixel baseline: {per_step:.2f} s/step, so {total} steps in {seconds:.0f} s")
        if log_every and (step % log_every == 0 or step == total):
            log(f"step {step}/{total}  loss {np.mean(losses[-log_every:]):.4f}  "
                f"lr {lr_sched.get_last_lr()[0]:.2e}  {time.perf_counter() - t0:.0f} s")
    ema.copy_to(params)
    unet.eval(); text_encoder.eval()
    took = time.perf_counter() - t0
    return {'steps': step, 'seconds': took, 'samples_per_second': step * bs / took,
            'final_loss': float(np.mean(losses[-50:])) if losses else math.nan}


def _sampler(name:str, clip:bool):
    "A fresh sampler built from the training scheduler's config, the way diffusers pipelines swap schedulers."
    cfg = pixel_scheduler().config
    if name == 'dpm++':
        return DPMSolverMultistepScheduler.from_config(cfg, thresholding=clip, sample_max_value=1.0)
    if name == 'ddim': return DDIMScheduler.from_config(cfg, clip_sample=clip)
    raise ValueError(f"scheduler must be 'dpm++' or 'ddim', got {name!r}")


def _encode(text_encoder, tokenizer, prompts:list) -> torch.Tensor:
    "The prompts' hidden states [B, L, D], padded and truncated as in training."
    return encode_tokens(text_encoder, tokenize_prompts(tokenizer, prompts), padding_id(tokenizer))


def _noise(n:int, shape:tuple, seed:int) -> torch.Tensor:
    "Initial noise [n, *shape]: image i's from a generator seeded `seed + i`."
    gens = [torch.Generator().manual_seed(seed + i) for i in range(n)]
    return torch.stack([torch.randn(shape, generator=g) for g in gens])


@torch.no_grad()
def sample_pixel(unet, text_encoder, tokenizer, prompts:list, # one image per prompt
                 num_inference_steps:int=25, guidance_scale:float=5.0,
                 seed:int=0, # image i starts from the noise of a generator seeded seed + i
                 batch_size:int=100, # prompts denoised together (the images do not depend on it)
                 scheduler:str='dpm++', # 'dpm++' (2nd-order DPMSolverMultistep) or 'ddim'
                 clip:bool=True) -> np.ndarray: # clip predicted clean images to [-1, 1]
    "Images uint8 [N, 64, 64, 3] of `prompts` by StableDiffusionPipeline's classifier-free-guidance loop."
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    modes = unet.training, text_encoder.training
    unet.eval(); text_encoder.eval()
    shape = (unet.config.in_channels, unet.config.sample_size, unet.config.sample_size)
    uncond, guided, out = _encode(text_encoder, tokenizer, ['']), guidance_scale != 1.0, []
    for start in range(0, len(prompts), batch_size):
        cond = _encode(text_encoder, tokenizer, prompts[start:start + batch_size])
        hidden = torch.cat([uncond.expand_as(cond), cond]) if guided else cond
        sched = _sampler(scheduler, clip)
        sched.set_timesteps(num_inference_steps)
        x = _noise(len(cond), shape, seed + start) * sched.init_noise_sigma
        for t in sched.timesteps:
            eps = unet(sched.scale_model_input(torch.cat([x, x]) if guided else x, t), t,
                       encoder_hidden_states=hidden).sample
            if guided:
                eps_uncond, eps_cond = eps.chunk(2)
                eps = eps_uncond + guidance_scale * (eps_cond - eps_uncond)
            x = sched.step(eps, t, x).prev_sample
        out.append(((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy())
    unet.train(modes[0]); text_encoder.train(modes[1])
    return np.concatenate(out)


def save_pixel(unet, text_encoder, folder):
    "Save the UNet and the text encoder as safetensors under `folder`, with the training scheduler's config."
    folder = Path(folder)
    unet.save_pretrained(folder / 'unet', safe_serialization=True)
    text_encoder.save_pretrained(folder / 'text_encoder', safe_serialization=True)
    pixel_scheduler().save_pretrained(folder / 'scheduler')  # a record: sampling builds on SCHEDULE


def load_pixel(folder) -> tuple: # -> (unet, text_encoder), in eval mode
    "The UNet and text encoder that `save_pixel` wrote."
    folder = Path(folder)
    unet = UNet2DConditionModel.from_pretrained(folder / 'unet', use_safetensors=True)
    enc = CLIPTextModel.from_pretrained(folder / 'text_encoder', use_safetensors=True)
    return unet.eval(), enc.eval()


if __name__ == '__main__':
    import tempfile
    from multidiff.core.text import build_word_tokenizer
    from multidiff.image.shapes import make_shapes
    images, captions, _ = make_shapes(256, 'train', 0)
    tok = build_word_tokenizer(captions, max_length=16)
    unet, enc = pixel_model(tok, channels=(32, 32, 64, 64), text_width=64, text_layers=1)
    print(f"images {images.shape} {images.dtype}; {pixel_parameters(unet, enc):,} parameters")
    print(train_pixel(images, captions, tok, unet, enc, steps=3, batch_size=8, log_every=1))
    t0 = time.perf_counter()
    out = sample_pixel(unet, enc, tok, captions[:2], num_inference_steps=2, batch_size=1)
    print(f"samples {out.shape} {out.dtype} in {time.perf_counter() - t0:.1f} s")
    both = sample_pixel(unet, enc, tok, captions[:2], num_inference_steps=2)  # one batch of 2
    print(f"one batch vs two: max difference {np.abs(both.astype(int) - out).max()} (float rounding: <= 1)")
    with tempfile.TemporaryDirectory() as d:
        save_pixel(unet, enc, d)
        u2, e2 = load_pixel(d)
        same = (sample_pixel(u2, e2, tok, captions[:2], num_inference_steps=2, batch_size=1) == out).all()
        print(f"saved and reloaded: {pixel_parameters(u2, e2):,} parameters, same samples: {bool(same)}")
