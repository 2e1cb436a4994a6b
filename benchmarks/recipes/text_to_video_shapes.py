"""Recipe for the shipped text-to-video checkpoint (multidiff/pretrained/text_to_video_shapes).

Trains on the project's moving-shapes world (`multidiff.video.shapes`, made on the spot: nothing downloaded), train
split only: no green triangle and no yellow circle is ever seen; they appear only in the benchmark's held-out prompts.
Latent video diffusion: every frame through the frozen VAE of the shipped text-to-image model
(`text_to_image_shapes/vae`, 64x64x3 -> 16x16x4), the clips' latents computed once and cached in the run folder
(runs/text_to_video_shapes/latents.safetensors); a `FrameTranslator` (widths 32/64, latent 16, 8 blocks, a
`SpaceTimeAttention` after blocks 3 and 6) reads the prompt through a word-level CLIP text encoder (the mean of its
token states: one vector per prompt, FiLM on every block and a bias on the attention's queries), frozen at its seeded
initialisation with its word embeddings drawn at std 1 (trained jointly, the encoder erased the direction words); the
network trains from scratch with random given-frame masks (nothing, a prefix, both ends, random frames, the first frame only) and
10% empty prompts (classifier-free guidance). Then exports the EMA weights as a TextToVideoPipeline folder
(--export), and after benchmarks/text_to_video.py has scored them writes the model card (--export --card-only
--bench). An interrupted run resumes.

The first shipping (commit 8da5dc3; recipe at that commit) had no attention blocks: FiLM alone could not make the
motion follow the prompt's direction (benchmarks/experiments/text_to_video_direction.py).

Run:  .venv/bin/python benchmarks/recipes/text_to_video_shapes.py --steps 3000
      .venv/bin/python benchmarks/recipes/text_to_video_shapes.py --export --steps 3000     (the weights, then:)
      .venv/bin/python benchmarks/text_to_video.py --threads 2 --out benchmarks/results/text_to_video.json
      .venv/bin/python benchmarks/recipes/text_to_video_shapes.py --export --card-only --steps 3000 --bench benchmarks/results/text_to_video.json
"""
import json
from pathlib import Path
import torch
from _recipe import recipe_args, train_segment, export, settings_line

DATA = dict(split='train', seed=0, clips=5000, max_length=12, vae='text_to_image_shapes')
# 30% of clips get only their first frame, so where the object goes must come from the prompt alone
TRAIN = dict(batch_size=16, lr=5e-4, seed=0, cond_dropout=0.1, mask_probs=(0.3, 0.25, 0.075, 0.075, 0.3),
             arch=dict(widths=(32, 64), latent=16, blocks=8, attention_after=(3, 6), text_width=64,
                       text_layers=2, heads=2, text_pooling='mean', train_text_encoder=False))
STEPS = 3000


def clips_and_captions():
    "The first `clips` train-split clips (seed 0): uint8 [n, 16, 64, 64, 3] and captions."
    from multidiff.video.shapes import make_moving_shapes
    clips, captions, _ = make_moving_shapes(DATA['clips'], DATA['split'], DATA['seed'])
    return clips, captions


def cached_data(out: Path, vae, tokenizer, clips, captions) -> dict:
    "The clips' latents and token ids, computed once per run folder (safetensors: no pickle)."
    from safetensors.torch import load_file, save_file
    from multidiff.video.text_to_video import text_to_video_data
    f = out / 'latents.safetensors'
    if f.exists(): return load_file(f)
    data = text_to_video_data(vae, tokenizer, clips, captions)
    out.mkdir(parents=True, exist_ok=True)
    tmp = f.with_suffix('.tmp'); save_file({k: v.contiguous() for k, v in data.items()}, tmp); tmp.replace(f)
    return data


def train(args):
    from multidiff.core.text import build_word_tokenizer
    from multidiff.image.text_to_image import TextToImagePipeline
    from multidiff.video.text_to_video import TextToVideoPipeline, train_text_to_video
    out = Path(args.out)
    clips, captions = clips_and_captions()
    tokenizer = build_word_tokenizer(captions, max_length=DATA['max_length'])
    vae = TextToImagePipeline.from_pretrained(DATA['vae']).vae
    data = cached_data(out, vae, tokenizer, clips, captions)
    kw = {k: v for k, v in TRAIN.items() if k != 'arch'}
    train_segment(out, lambda resume: train_text_to_video(clips, captions, vae, out, steps=args.steps, resume=resume,
                                                          progress=False, tokenizer=tokenizer, data=data,
                                                          **kw, **TRAIN['arch']))


LOAD_LINE = ("- **Load:** `from multidiff.video.text_to_video import TextToVideoPipeline; "
             "pipe = TextToVideoPipeline.from_pretrained('text_to_video_shapes')`, then "
             "`pipe('a large red circle moving right', seed=0).frames[0]` (uint8 16 x 64 x 64 x 3), "
             "`context=first_frames` to continue a clip; or `multidiff sample video --checkpoint text_to_video_shapes "
             "--prompt ... --out DIR`.")


def card(pipe, bench):
    count = lambda m: sum(p.numel() for p in m.parameters()) / 1e6
    a = TRAIN['arch']
    body = [f"- **Model:** latent video diffusion. Frames through the frozen VAE of `{DATA['vae']}` (64x64x3 -> 16x16x4, "
            f"{count(pipe.vae):.2f}M parameters, not trained here). Network: multidiff's `FrameTranslator` on 16 frames of "
            f"latents, widths {list(a['widths'])}, {a['latent']} latent channels per frame, {a['blocks']} translator blocks, "
            f"{count(pipe.translator):.2f}M parameters. Text: a {a['text_layers']}-layer, {a['text_width']}-wide transformers "
            f"`CLIPTextModel` ({count(pipe.text_encoder):.2f}M parameters) over a word-level tokenizer of the captions' "
            f"{len(pipe.tokenizer)} tokens, the mean of its token states scaling and shifting every block (FiLM), "
            + ("trained with the network; " if a['train_text_encoder'] else "frozen at its seeded initialisation "
               "with word embeddings drawn at std 1 (a jointly trained encoder erased the direction words); ") +
            f"a `SpaceTimeAttention` (all frames' positions, 3-D rotary positions, queries biased by the frame and the "
            f"prompt) after translator blocks {list(a['attention_after'])}, so the prompt can steer the motion; "
            "the network trained from scratch. x0 prediction, cosine schedule, T=1000; random given-frame masks "
            f"(shares {list(TRAIN['mask_probs'])} of: nothing, a prefix, both ends, random frames, the first frame only); "
            "prompts dropped to '' 10% of the time (classifier-free guidance).",
            f"- **Data:** the moving-shapes world (`multidiff.video.shapes`, made by the project), train split, seed "
            f"{DATA['seed']}, the first {DATA['clips']} clips of 16 frames. No green triangle and no yellow circle was seen "
            "in training (held out for the benchmark's compositional prompts).",
            LOAD_LINE,
            settings_line({k: v for k, v in TRAIN.items() if k != 'arch'}, STEPS, f"{TRAIN['batch_size']} clips")]
    title = "text to video on moving shapes (latent diffusion, 16 x 64x64 RGB)"
    if not bench: return title, body, []
    measured = [f"## Measured (`{bench.get('command')}`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```"]
    return title, body, measured


if __name__ == '__main__':
    args = recipe_args('text_to_video_shapes', STEPS, __doc__)
    STEPS = args.steps  # the card says the steps the run took
    from multidiff.video.text_to_video import TextToVideoPipeline
    script = '.venv/bin/python benchmarks/recipes/text_to_video_shapes.py'
    commands = (f"`{script} --steps {STEPS}`, then `{script} --export --steps {STEPS}` (the weights), the benchmark "
                f"(which scores the shipped weights, writing {args.bench}), then "
                f"`{script} --export --card-only --steps {STEPS} --bench {args.bench}`")
    if args.export: export(args, TextToVideoPipeline.from_run, TextToVideoPipeline.from_pretrained, card, commands)
    else: train(args)
