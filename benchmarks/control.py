"""Structure control on the text-to-image model (issue 25): a ControlNet branch (`multidiff.core.control`) trained on
the frozen `text_to_image_shapes`, scored on the text-to-image benchmark's evaluation prompts.

For each prompt (--per-group per group: one object, two objects, held-out combinations; the groups' fixed prompts
cycled) the scene the prompt describes is drawn with its objects at random positions within the world's jitter
(seeded per prompt), and its control map made: the Canny edges of its render ('edges') or its objects' boxes
('layout'). The model then generates from the prompt and the map at each --scales value (0 is the uncontrolled model:
the branch is not run) with the same seeds, and we measure:
- edge agreement: boundary F1 of the generated image's Canny edges against the control's, 1-pixel tolerance; layout
  agreement: IoU of the generated objects (non-black pixels) with the layout's boxes (both kinds report both);
- prompt accuracy: exact match (every attribute right) by both judges of benchmarks/text_to_image.py (the CNN trained
  here on real renders, the training-free rule parser), per group;
- references: the same measures for the real render of the scene passed through the VAE (what a perfect generator
  would score after decoding), and for a real render of the same prompt with other random positions (what matching
  the prompt alone scores);
- that scale 0 reproduces the uncontrolled model exactly (largest pixel difference);
- the branch's training time against the base model's (both from their model cards).
Writes a JSON. Run from the repository root (about 10 minutes on one core):
    .venv/bin/python benchmarks/control.py --kind edges --out benchmarks/results/control_edges.json
"""
import argparse, re, statistics, sys, time
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
import text_to_image as t2i
from multidiff.core.codec import VAECodec
from multidiff.core.control import load_controlnet
from multidiff.core.pipeline import resolve_pretrained, shipped_dir
from multidiff.image.control import control_maps, edge_map, edge_f1, layout_iou, layout_map
from multidiff.image.shapes import jitter, parse_caption, render
from multidiff.image.text_to_image import TextToImagePipeline, GUIDANCE_SCALE

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {'edge_f1_at_scale_1_min': 0.85, 'edge_f1_uncontrolled_max': 0.30, 'exact_match_within': 0.05,
           'training_cost_share_max': 0.25}


def cases(per_group: int, kind: str, seed: int) -> tuple:
    "Prompts, their scenes at random positions, the control maps, group slices."
    prompts = [p for g in t2i.GROUPS for p in t2i.group_prompts(per_group)[g]]
    scenes = [jitter(parse_caption(p), np.random.default_rng([seed, i])) for i, p in enumerate(prompts)]
    others = [jitter(parse_caption(p), np.random.default_rng([seed + 1, i])) for i, p in enumerate(prompts)]
    return prompts, scenes, others, control_maps(kind, scenes)


def agreement(images: np.ndarray, scenes: list, slices: dict) -> dict:
    "Edge F1 (against the scenes' render edges) and layout IoU of uint8 images, per group and all."
    f1 = edge_f1(edge_map(images), control_maps('edges', scenes))['f1']
    iou = layout_iou(images, layout_map(scenes))
    out = {g: {'edge_f1': float(f1[s].mean()), 'layout_iou': float(iou[s].mean())} for g, s in slices.items()}
    out['all'] = {'edge_f1': float(f1.mean()), 'layout_iou': float(iou.mean()),
                  'edge_f1_median': float(f1.median())}
    return out


def generate(pipe, prompts: list, control, scale: float, a) -> tuple:
    "uint8 images (image i seeded a.seed + i) and seconds per image."
    out, t0 = [], time.perf_counter()
    for i in range(0, len(prompts), a.batch):
        r = pipe(prompts[i:i + a.batch], num_inference_steps=a.steps, guidance_scale=a.guidance, seed=a.seed + i,
                 sampler=a.sampler, output_type='np', control_image=control[i:i + a.batch],
                 controlnet_conditioning_scale=scale)
        out.append(t2i.to_uint8(r.images))
    return np.concatenate(out), (time.perf_counter() - t0) / len(prompts)


def card_seconds(folder: Path) -> float:
    "The training seconds a model card states (its '**Wall time:** H h'), or a run's record (RUN/final: RUN/wall_time.txt)."
    if not (folder / 'README.md').exists() and (folder.parent / 'wall_time.txt').exists():
        return sum(float(l.split('=')[1]) for l in (folder.parent / 'wall_time.txt').read_text().split())
    return 3600 * float(re.search(r"\*\*Wall time:\*\* ([\d.]+) h", (folder / 'README.md').read_text()).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--kind', default='edges', choices=('edges', 'layout'))
    ap.add_argument('--controlnet', default=None, help='the branch: a shipped name or folder (default text_to_image_shapes-KIND)')
    ap.add_argument('--base', default='text_to_image_shapes')
    ap.add_argument('--per-group', type=int, default=50); ap.add_argument('--scales', default='0,0.5,1,1.5')
    ap.add_argument('--steps', type=int, default=25); ap.add_argument('--guidance', type=float, default=GUIDANCE_SCALE)
    ap.add_argument('--sampler', default='dpm++'); ap.add_argument('--seed', type=int, default=10 ** 6)
    ap.add_argument('--batch', type=int, default=50); ap.add_argument('--quick', action='store_true', help='smoke test: a small judge')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    t_start = time.perf_counter()
    name = a.controlnet or f'text_to_image_shapes-{a.kind}'
    branch_dir = Path(name) if Path(name).exists() else shipped_dir() / name
    pipe = TextToImagePipeline.from_pretrained(a.base, controlnet=load_controlnet(branch_dir))
    pipe.set_progress_bar_config(disable=True)
    judge = t2i.judges(a.quick)
    prompts, scenes, others, control = cases(a.per_group, a.kind, a.seed)
    n = a.per_group
    slices = {g: slice(i * n, (i + 1) * n) for i, g in enumerate(t2i.GROUPS)}
    real = np.stack([render(s) for s in scenes])
    codec = VAECodec(pipe.vae)
    with torch.no_grad():
        x = torch.from_numpy(real).permute(0, 3, 1, 2).float() / 255
        vae_rt = t2i.to_uint8(torch.cat([codec.decode(codec.encode(b)) for b in x.split(100)]).permute(0, 2, 3, 1).numpy())
    other = np.stack([render(s) for s in others])
    refs = {'real_through_vae': agreement(vae_rt, scenes, slices), 'real_other_positions': agreement(other, scenes, slices)}
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers', 'skimage')),
           'kind': a.kind, 'base': a.base, 'controlnet': str(branch_dir.relative_to(ROOT) if branch_dir.is_relative_to(ROOT) else branch_dir),
           'protocol': {'per_group': n, 'steps': a.steps, 'guidance_scale': a.guidance, 'sampler': a.sampler, 'seed': a.seed},
           'judges': judge['report'], 'references': refs, 'scales': {}, 'targets': TARGETS}
    uncontrolled = None
    for scale in [float(s) for s in a.scales.split(',')]:
        images, spi = generate(pipe, prompts, control, scale, a)
        s = t2i.score(images, prompts, judge['classifier'])
        res['scales'][str(scale)] = {'agreement': agreement(images, scenes, slices), 'seconds_per_image': round(spi, 4),
                                     'exact': {j: {g: s[j][g]['exact'] for g in t2i.GROUPS} for j in s}}
        if scale == 0: uncontrolled = images
        print(scale, res['scales'][str(scale)]['agreement']['all'], res['scales'][str(scale)]['exact'], flush=True)
    if uncontrolled is not None:  # scale 0 must be the model without a control map
        base = TextToImagePipeline.from_pretrained(a.base); base.set_progress_bar_config(disable=True)
        r = base(prompts[:a.batch], num_inference_steps=a.steps, guidance_scale=a.guidance, seed=a.seed,
                 sampler=a.sampler, output_type='np')
        res['scale_0_max_pixel_difference'] = int(np.abs(t2i.to_uint8(r.images).astype(int) - uncontrolled[:a.batch].astype(int)).max())
    one, zero = res['scales'].get('1.0'), res['scales'].get('0.0')
    cost = {'control_seconds': card_seconds(branch_dir), 'base_seconds': card_seconds(resolve_pretrained(a.base))}
    cost['share'] = round(cost['control_seconds'] / cost['base_seconds'], 3)
    res['cost'] = cost
    if one and zero:
        within = {j: {g: one['exact'][j][g] >= zero['exact'][j][g] - TARGETS['exact_match_within'] for g in t2i.GROUPS}
                  for j in one['exact']}
        res['summary'] = {'edge_f1_scale_1': one['agreement']['all']['edge_f1'], 'edge_f1_scale_0': zero['agreement']['all']['edge_f1'],
                          'layout_iou_scale_1': one['agreement']['all']['layout_iou'], 'layout_iou_scale_0': zero['agreement']['all']['layout_iou'],
                          'exact_scale_1': one['exact'], 'exact_scale_0': zero['exact'], 'cost_share': cost['share'],
                          'scale_0_max_pixel_difference': res.get('scale_0_max_pixel_difference'),
                          'targets_met': {'edge_f1_at_scale_1': one['agreement']['all']['edge_f1'] >= TARGETS['edge_f1_at_scale_1_min'],
                                          'edge_f1_uncontrolled': zero['agreement']['all']['edge_f1'] <= TARGETS['edge_f1_uncontrolled_max'],
                                          'exact_match_within_0.05': within, 'cost_share': cost['share'] <= TARGETS['training_cost_share_max']}}
    res['wall_seconds'] = round(time.perf_counter() - t_start, 1)
    write_json_atomic(Path(a.out), res)
    print('wrote', a.out, res.get('summary'))


if __name__ == '__main__':
    main()
