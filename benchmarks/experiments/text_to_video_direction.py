"""Issue 27's direction failure, three tries and a diagnosis (negative results; the numbers are in benchmarks/README.md).

Each trains from the first 2,000 train-split moving-shapes clips (seed 0; latents through the shipped model's VAE, cached
in runs/t2v_direction_latents.pt) on one core and scores 32 seen-combination prompts (seed 1001) with the rule judge, generated with nothing
given and with the real first frame given, beside the text vectors' largest cosines (`text_vector_cosines`):
- `first`:  fine-tune the shipped `text_to_video_shapes` 800 steps with half the clips given only their first frame
            (the direction then decides where the object goes), lr 3e-4, EMA 0.99.
- `layout`: fine-tune it 800 steps with a prompt-drawn 8x8 map per frame as an extra input channel (`cond_layout`).
- `scratch`: train from scratch 2,500 steps with the map (widths 32/64, latent 16, 8 blocks, mean pooling).
- `oracle`: as `first`, but every prompt's text vector gets a fixed random vector per direction word added (norm about
            4 against the text vectors' 5.7): can the network follow a direction that the text vector states plainly?
- `attention`: as `oracle`, with two zero-initialised space-time attention blocks added to the translator (tokens:
            every frame's 8x8 latent positions; 3-D rotary positions, so scores depend on offsets in time and space; the
            queries biased by an MLP of the frame index and the condition, so a direction can select the offset
            -v t d): can a network with that path follow the direction?
- `attention_scratch`: the oracle and the attention blocks in a model trained from scratch (2,500 steps of 16, 30% of
            clips given only their first frame), so the blocks are there from the first step; resumes when interrupted.
The recorded `attention` and `attention_scratch` runs (commit 5b83204) used this file's own copy of the attention
block, since moved into the library as `multidiff.video.model.SpaceTimeAttention` (the same computation; the blocks'
random initialisation now comes in another order, so a rerun differs within the noise). All runs start from the shipped
`text_to_video_shapes` of commit 8da5dc3 (the FiLM-only model; the shipped one was replaced after these runs): restore
that folder first (`git checkout 8da5dc3 -- multidiff/pretrained/text_to_video_shapes`). `layout` and `scratch` need
`FrameTranslator(cond_layout=...)`, which exists at commit 94f835b only (removed after
these runs: it did not help).

Run (one core each):  OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/experiments/text_to_video_direction.py first
"""
import os, sys, time, json
from pathlib import Path
import numpy as np, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from text_to_video import text_vector_cosines
from multidiff.core.state import rand
from multidiff.core.trainer import domain_config, train_in_folder
from multidiff.video.shapes import make_moving_shapes, motion_accuracy
from multidiff.video.text_to_video import (TextToVideoPipeline, TextToVideoDiffusion, text_to_video_data,
                                           train_text_to_video)


class FirstFrameToo(TextToVideoDiffusion):
    "A share `first_share` of training clips gets only its first frame given."
    first_share = 0.0
    def training_parts(self, batch, generator=None):
        x0, cond, mask = super().training_parts(batch, generator)
        first = (rand((len(x0),), generator) < self.first_share).to(x0)[:, None, None, None, None]
        one = torch.zeros_like(mask); one[:, :, 0] = 1
        m = first * one + (1 - first) * mask
        return x0, {**cond, 'mask': m}, m


def add_direction_oracle(tokenizer):
    "Patch the text path: the pooled vector plus a fixed random vector for the prompt's direction word (none for '')."
    from multidiff.video.text_to_video import PooledTextDenoiser
    words = torch.tensor(tokenizer.convert_tokens_to_ids(['left', 'right', 'up', 'down']))
    vectors = torch.randn(4, 64, generator=torch.Generator().manual_seed(0)) * 0.5
    encode = PooledTextDenoiser.encode
    def with_oracle(self, input_ids):
        has = (input_ids[..., None] == words.to(input_ids.device)).any(1).float()  # [B, 4]
        return encode(self, input_ids) + has @ vectors.to(has.device)
    PooledTextDenoiser.encode = with_oracle


def add_attention(net):
    "The same translator with two zero-initialised `SpaceTimeAttention` blocks, after its 3rd and 6th blocks."
    from multidiff.video.model import FrameTranslator
    new = FrameTranslator(**{**dict(net.config), 'attention_after': (3, 6)})
    new.load_state_dict(net.state_dict(), strict=False)
    return new


def evaluate(pipe) -> dict:
    clips, caps, labels = make_moving_shapes(32, 'train', 1001)
    res = {'cos': text_vector_cosines(pipe)}
    run = lambda ctx: np.concatenate([pipe(caps[i:i + 8], num_inference_steps=25, seed=i,
                                           context=None if ctx is None else clips[i:i + 8, :ctx]).frames
                                      for i in range(0, 32, 8)])
    res['free'], res['first_frame'] = motion_accuracy(run(None), labels), motion_accuracy(run(1), labels)
    return res


def fine_tune_model(ship, first_share: float, layout: int):
    m = ship.to_model()
    if layout:  # the shipped network plus a zero-initialised map input (commit 94f835b)
        from multidiff.video.model import FrameTranslator
        old = m.denoiser.network
        net = FrameTranslator(**{**dict(old.config), 'cond_layout': layout})
        sd = old.state_dict(); w = sd.pop('conv_in.weight'); net.load_state_dict(sd, strict=False)
        with torch.no_grad(): net.conv_in.weight[:, :w.shape[1]] = w
        m.denoiser.network = net
    FirstFrameToo.first_share = first_share
    return FirstFrameToo(m.denoiser, m.scheduler, m.vae, m.tokenizer, m.frames, m.size, m.cond_dropout,
                         m.high_noise_fraction, m.mask_probs)


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else 'first'
    kinds = ('first', 'layout', 'scratch', 'oracle', 'attention', 'attention_scratch')
    if kind not in kinds: sys.exit(f"unknown run {kind!r}: {', '.join(kinds)}")
    out, cache = Path(f'runs/t2v_direction_{kind}'), Path('runs/t2v_direction_latents.pt')
    torch.set_num_threads(len(os.sched_getaffinity(0)) if kind == 'attention_scratch' else 1)
    ship = TextToVideoPipeline.from_pretrained('text_to_video_shapes')
    if cache.exists(): data = torch.load(cache)
    else:
        clips, caps, _ = make_moving_shapes(2000, 'train', 0)
        data = text_to_video_data(ship.vae, ship.tokenizer, clips, caps)
        cache.parent.mkdir(exist_ok=True); torch.save(data, cache)
    if kind in ('oracle', 'attention', 'attention_scratch'): add_direction_oracle(ship.tokenizer)
    t0 = time.time()
    if kind == 'scratch':
        train_text_to_video(None, None, ship.vae, out, steps=2500, batch_size=16, lr=5e-4, seed=0, progress=False,
                            tokenizer=ship.tokenizer, data=data, mask_probs=(0.45, 0.35, 0.1, 0.1), text_layout=8)
    elif kind == 'attention_scratch':  # the blocks there from the first step
        from multidiff.video.text_to_video import text_to_video_model
        m = text_to_video_model(ship.tokenizer, ship.vae, mask_probs=(0.45, 0.35, 0.1, 0.1), seed=0,
                                attention_after=(3, 6))
        FirstFrameToo.first_share = 0.3
        model = FirstFrameToo(m.denoiser, m.scheduler, m.vae, m.tokenizer, m.frames, m.size, m.cond_dropout,
                              m.high_noise_fraction, m.mask_probs)
        cfg = domain_config(2500, 16, 5e-4, seed=0, progress=False, log_every=50)
        resume = (out / 'checkpoints').is_dir() and any((out / 'checkpoints').iterdir())
        trained, _ = train_in_folder(model, data, cfg, out, resume)
    else:
        model = fine_tune_model(ship, 0.5 if kind in ('first', 'oracle', 'attention') else 0.0, 8 if kind == 'layout' else 0)
        if kind == 'attention': model.denoiser.network = add_attention(model.denoiser.network)
        cfg = domain_config(800, 16, 3e-4, seed=2, progress=False, log_every=50, ema_decay=0.99)
        trained, _ = train_in_folder(model, data, cfg, out, False)
    pipe = TextToVideoPipeline.from_run(out)
    res = {'kind': kind, 'train_seconds': round(time.time() - t0), **evaluate(pipe)}
    print(json.dumps(res))


if __name__ == '__main__':
    main()
