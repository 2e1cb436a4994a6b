"""Text to image on the captioned-shapes world (`multidiff.image.shapes`): the issue-23 targets, measured.

Scores a TextToImagePipeline (default: the shipped `text_to_image_shapes`) with two judges that never saw a generated
image: the project's CNN attribute classifier (`train_shapes_classifier`, trained on real renders of every combination)
and a rule-based parser with no training at all (`parse_renders`: connected components, palette colours, box geometry).
- prompts: --per-group images for each prompt group (one object, two objects, held-out combinations: green triangles
  and yellow circles, never trained on), the group's fixed prompts cycled, image i seeded --seed + i; exact-match
  accuracy (every attribute right) and per-field accuracy by both judges; Frechet distance in the classifier's embedding
  against real renders of the same prompts, with the real-vs-real value beside it; seconds per image.
- VAE: reconstruction PSNR on unseen train-split and held-out renders, and how often both judges read a
  reconstruction exactly as they read the original (agreement) and as the truth.
- inpainting: real two-object test scenes, the second object's half masked and re-prompted with a new shape and
  colour; both judges' exact match on the whole new prompt and on the new object, and the largest change outside the
  mask in 8-bit levels (must be 0).
- --side-by-side MINUTES: multidiff's latent recipe (VAE for a share of the minutes, then the UNet) against a plain
  pixel-space UNet2DConditionModel with a hand-written loop in the style of diffusers' text-to-image example
  (benchmarks/t2i_pixel_baseline.py), each trained for MINUTES of wall time on this machine, both scored as above.

Run from the repository root:
    .venv/bin/python benchmarks/text_to_image.py --out benchmarks/results/text_to_image.json
    .venv/bin/python benchmarks/text_to_image.py --side-by-side 30 --out benchmarks/results/text_to_image_side_by_side.json
Smoke test (not a result): add --quick.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, loadavg, utc_now, write_json_atomic
from multidiff.core.codec import VAECodec
from multidiff.image.shapes import (COLOURS, EVAL_PROMPTS, LABEL_FIELDS, SHAPES, Obj, Scene, caption, make_scenes,
                                    make_shapes, parse_caption, render, scene_labels)
from multidiff.image.shapes_metrics import (attribute_accuracy, parse_renders, predict_attributes,
                                            prompt_accuracy, reference_images, rule_prompt_accuracy,
                                            shapes_frechet_distance, train_shapes_classifier)
from multidiff.image.vae import reconstruction_metrics

GROUPS = ('one_object', 'two_objects', 'heldout')
TARGETS = {'one_object': 0.90, 'two_objects': 0.75, 'heldout': 0.70}


def to_uint8(x) -> np.ndarray:
    "float [N, H, W, 3] in [0, 1] -> uint8."
    return (np.asarray(x) * 255).round().clip(0, 255).astype(np.uint8)


def judges(quick: bool) -> dict:
    "The CNN judge (trained here on real renders, seed 0) with its own test accuracy, and the rule judge's on the same renders."
    t0 = time.perf_counter()
    clf, acc = train_shapes_classifier(n=200 if quick else 2000, epochs=1 if quick else 8, n_test=100 if quick else 1000)
    n_test = 100 if quick else 1000
    images, _, lab = make_shapes(n_test, 'all', 123, start=0)
    truth = torch.from_numpy(np.stack([lab[f] for f in LABEL_FIELDS], 1))
    rule = attribute_accuracy(parse_renders(images), truth)
    cnn = attribute_accuracy(predict_attributes(clf, images)[0], truth)
    return {'classifier': clf, 'report': {'cnn_test_accuracy': acc, 'cnn_accuracy_real_renders_seed123': cnn,
                                          'rule_accuracy_real_renders_seed123': rule, 'n_test': n_test,
                                          'cnn_train_seconds': round(time.perf_counter() - t0, 1)}}


def group_prompts(per_group: int) -> dict:
    return {g: [EVAL_PROMPTS[g][i % len(EVAL_PROMPTS[g])] for i in range(per_group)] for g in GROUPS}


def score(images: np.ndarray, prompts: list, clf) -> dict:
    "Both judges' accuracies of uint8 images against their prompts, per group."
    return {'cnn': prompt_accuracy(images, prompts, clf), 'rule': rule_prompt_accuracy(images, prompts)}


def frechet(images: np.ndarray, prompts: list, clf, per_group: dict) -> dict:
    "Frechet distance (CNN embedding) to real renders of the same prompts, per group and all, with real-vs-real."
    real0, real1 = reference_images(prompts, seed=0), reference_images(prompts, seed=1)
    out, start = {}, 0
    for g, ps in per_group.items():
        sl = slice(start, start + len(ps)); start += len(ps)
        out[g] = {'generated_vs_real': shapes_frechet_distance(clf, images[sl], real0[sl]),
                  'real_vs_real': shapes_frechet_distance(clf, real1[sl], real0[sl])}
    out['all'] = {'generated_vs_real': shapes_frechet_distance(clf, images, real0),
                  'real_vs_real': shapes_frechet_distance(clf, real1, real0)}
    return out


def generate(pipe, prompts: list, a) -> tuple:
    "uint8 images of `prompts` (image i seeded a.seed + i) and seconds per image."
    out, t0 = [], time.perf_counter()
    for i in range(0, len(prompts), a.batch):
        r = pipe(prompts[i:i + a.batch], num_inference_steps=a.steps, guidance_scale=a.guidance, seed=a.seed + i,
                 sampler=a.sampler, output_type='np')
        out.append(to_uint8(r.images))
    return np.concatenate(out), (time.perf_counter() - t0) / len(prompts)


def evaluate_prompts(pipe, clf, a, sample_fn=None) -> dict:
    "Every group's images scored by both judges, Frechet distances, seconds per image; `sample_fn(prompts)` replaces the pipeline."
    per_group = group_prompts(a.per_group)
    prompts = [p for g in GROUPS for p in per_group[g]]
    images, spi = (sample_fn or (lambda ps: generate(pipe, ps, a)))(prompts)
    s = score(images, prompts, clf)
    res = {'n_per_group': a.per_group, 'steps': a.steps, 'guidance_scale': a.guidance, 'sampler': a.sampler or 'ddpm',
           'seconds_per_image': round(spi, 4), 'accuracy': s, 'frechet': frechet(images, prompts, clf, per_group)}
    res['exact'] = {j: {g: s[j][g]['exact'] for g in GROUPS} for j in s}
    res['targets_met'] = {j: {g: s[j][g]['exact'] >= TARGETS[g] for g in GROUPS} for j in s}
    return res, images


def vae_report(vae, clf, quick: bool) -> dict:
    "PSNR of reconstructions and how often the judges read them as the originals (agreement) and as the truth."
    n = 100 if quick else 500
    out, codec = {}, VAECodec(vae)
    for split, seed in (('train', 1), ('heldout', 1)):
        images, _, lab = make_shapes(n, split, seed, start=10 ** 6)  # far past the training scenes
        truth = torch.from_numpy(np.stack([lab[f] for f in LABEL_FIELDS], 1))
        x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
        with torch.no_grad(): rec = torch.cat([codec.decode(codec.encode(b)) for b in x.split(100)])
        rec = to_uint8(rec.permute(0, 2, 3, 1).numpy())
        r = {'reconstruction': reconstruction_metrics(vae, images)}
        for name, read in (('cnn', lambda im: predict_attributes(clf, im)[0]), ('rule', parse_renders)):
            orig, recon = read(images), read(rec)
            r[name] = {'agreement_exact': attribute_accuracy(recon, orig)['exact'],
                       'truth_exact_original': attribute_accuracy(orig, truth)['exact'],
                       'truth_exact_reconstruction': attribute_accuracy(recon, truth)['exact']}
        out[f"{split}_split_unseen" if split == 'train' else 'heldout_split'] = r
    return out


def inpaint_cases(n: int, seed: int = 7) -> tuple:
    "Real two-object scenes, a mask over the second object's half and a prompt with a new second object."
    rng, images, masks, prompts, olds = np.random.default_rng(seed), [], [], [], []
    scenes = [s for s in make_scenes(4 * n, 'all', seed) if len(s.objects) == 2][:n]
    for s in scenes:
        a, b = s.objects
        choices = [(sh, c) for sh in SHAPES for c in COLOURS if (sh, c) != (b.shape, b.colour)]
        sh, c = choices[int(rng.integers(len(choices)))]
        new = Scene([a, Obj(sh, c, 'small', b.centre)], s.where)
        m = np.zeros((64, 64), np.uint8)
        if s.where == 'left_of': m[:, 32:] = 255
        else: m[32:, :] = 255
        images.append(render(s)); masks.append(m); prompts.append(caption(new)); olds.append(caption(s))
    return np.stack(images), np.stack(masks), prompts, olds


def inpaint_report(pipe, clf, a) -> dict:
    "Prompt accuracy of the inpainted scenes, of the new object alone, and the largest change outside the mask."
    n = 20 if a.quick else a.inpaint
    images, masks, prompts, _ = inpaint_cases(n)
    outs = []
    for i in range(0, n, a.batch):
        r = pipe.inpaint(images[i:i + a.batch], masks[i:i + a.batch, None], prompts[i:i + a.batch],
                         num_inference_steps=a.steps, guidance_scale=a.guidance, seed=a.seed + i,
                         sampler=a.sampler, output_type='np')
        outs.append(to_uint8(r.images))
    out = np.concatenate(outs)
    keep = masks == 0
    changed = np.abs(out.astype(int) - images.astype(int)).max(-1)[keep]
    target = torch.from_numpy(np.stack([scene_labels(parse_caption(p)) for p in prompts]))
    new_obj = [LABEL_FIELDS.index('shape2'), LABEL_FIELDS.index('colour2')]
    res = {'n': n, 'max_change_outside_mask_8bit': int(changed.max()), 'unchanged_outside_mask': bool(changed.max() == 0)}
    for name, pred in (('cnn', predict_attributes(clf, out)[0]), ('rule', parse_renders(out))):
        res[name] = {'exact': attribute_accuracy(pred, target)['exact'],
                     'new_object_exact': float((pred[:, new_obj] == target[:, new_obj]).all(1).float().mean())}
    return res, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True, help='the JSON to write')
    ap.add_argument('--checkpoint', default='text_to_image_shapes', help='a TextToImagePipeline folder or shipped name')
    ap.add_argument('--per-group', type=int, default=200)
    ap.add_argument('--inpaint', type=int, default=200, help='inpainting cases')
    ap.add_argument('--steps', type=int, default=25)
    ap.add_argument('--guidance', type=float, default=5.0)
    ap.add_argument('--sampler', default='dpm++', help="a sampler name, or 'none' for the saved scheduler (DDPM)")
    ap.add_argument('--seed', type=int, default=10 ** 6, help='image i is seeded seed + i')
    ap.add_argument('--batch', type=int, default=100)
    ap.add_argument('--side-by-side', type=float, default=None, metavar='MINUTES',
                    help='train both recipes for MINUTES each and compare them instead of scoring --checkpoint')
    ap.add_argument('--vae-share', type=float, default=0.25, help="the latent recipe's share of the minutes spent on its VAE")
    ap.add_argument('--grid', default=None, help='also save a PNG grid of the first images of each group here')
    ap.add_argument('--quick', action='store_true', help='a smoke test: few images, tiny judges (not a result)')
    a = ap.parse_args()
    if a.sampler == 'none': a.sampler = None
    if a.per_group < 2 or a.inpaint < 2: ap.error('--per-group and --inpaint must be >= 2 (a Frechet distance needs two images)')
    if a.quick: a.per_group = min(a.per_group, 8)
    torch.set_num_threads(torch.get_num_threads())
    t_start = time.perf_counter()
    res = {'date': utc_now(), 'command': command_line(),
           'environment': environment(('torch', 'diffusers', 'transformers', 'numpy')), 'loadavg_start': loadavg(),
           'targets': TARGETS}
    jd = judges(a.quick); clf = jd['classifier']; res['judges'] = jd['report']
    if a.side_by_side is None: evaluate_checkpoint(a, clf, res)
    else:
        from t2i_side_by_side import side_by_side
        res['side_by_side'] = side_by_side(a, clf, evaluate_prompts)
    res['wall_seconds'] = round(time.perf_counter() - t_start, 1)
    res['summary'] = summary(res)
    write_json_atomic(Path(a.out), res)
    print(json.dumps(res['summary'], indent=2))


def evaluate_checkpoint(a, clf, res: dict):
    from multidiff.image.text_to_image import TextToImagePipeline
    pipe = TextToImagePipeline.from_pretrained(a.checkpoint)
    pipe.set_progress_bar_config(disable=True)
    res['checkpoint'] = str(a.checkpoint)
    res['prompts'], images = evaluate_prompts(pipe, clf, a)
    res['vae'] = vae_report(pipe.vae, clf, a.quick)
    res['inpainting'], _ = inpaint_report(pipe, clf, a)
    if a.grid: save_grid(images, a.per_group, a.grid)


def save_grid(images: np.ndarray, per_group: int, path: str, cols: int = 8):
    "The first `cols` images of each group, one row per group."
    from PIL import Image
    rows = [np.concatenate(list(images[g * per_group:g * per_group + cols]), 1) for g in range(len(GROUPS))]
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def summary(res: dict) -> dict:
    "The numbers the issue asks for, in one place."
    out = {'judges_real_exact': {'cnn': res['judges']['cnn_accuracy_real_renders_seed123']['exact'],
                                 'rule': res['judges']['rule_accuracy_real_renders_seed123']['exact']}}
    if 'prompts' in res:
        p = res['prompts']
        out.update({'exact_match': p['exact'], 'targets_met': p['targets_met'], 'steps': p['steps'],
                    'guidance_scale': p['guidance_scale'], 'sampler': p['sampler'],
                    'seconds_per_image': p['seconds_per_image'],
                    'frechet_all': p['frechet']['all'],
                    'vae': {k: {'psnr': v['reconstruction'].get('psnr'), 'cnn_agreement': v['cnn']['agreement_exact'],
                                'rule_agreement': v['rule']['agreement_exact']} for k, v in res['vae'].items()},
                    'inpainting': {k: v for k, v in res['inpainting'].items()}})
    if 'side_by_side' in res: out['side_by_side'] = res['side_by_side'].get('summary')
    out['wall_seconds'] = res.get('wall_seconds')
    return out


if __name__ == '__main__':
    main()
