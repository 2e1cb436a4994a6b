"""Recipe for the shipped structure controls of the text-to-image model: multidiff/pretrained/text_to_image_shapes-KIND
(KIND: edges or layout), a ControlNet branch (diffusers `ControlNetModel`, made by `multidiff.core.control.control_branch`
from the base UNet's encoder) trained by `multidiff.image.control.train_control` on the frozen `text_to_image_shapes`.

Data: the first --scenes scenes of the captioned-shapes train split (the base model's own training scenes, seed 0),
rendered, encoded by the base's VAE, captions tokenized, and each scene's control map (Canny edges of its render, or its
objects' boxes); made on the spot, inside the timed training (the cost counts it). Then:
    .venv/bin/python benchmarks/recipes/control_shapes.py --kind edges --steps 1500
    .venv/bin/python benchmarks/recipes/control_shapes.py --kind edges --steps 1500 --export
    .venv/bin/python benchmarks/control.py --kind edges --out benchmarks/results/control_edges.json
    .venv/bin/python benchmarks/recipes/control_shapes.py --kind edges --steps 1500 --export --bench benchmarks/results/control_edges.json
The run folder (default runs/text_to_image_shapes-KIND) resumes from its checkpoints; wall_time.txt adds up segments."""
import argparse, json, platform, shutil, sys
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recipe import ROOT, train_segment, strip_local_paths

SETTINGS = dict(scenes=20000, batch_size=32, lr=3e-4, seed=0, width=16)
BASE = 'text_to_image_shapes'


def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--kind', default='edges', choices=('edges', 'layout'))
    ap.add_argument('--steps', type=int, default=1500)
    for k, v in SETTINGS.items(): ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    ap.add_argument('--out', default=None); ap.add_argument('--export', action='store_true')
    ap.add_argument('--bench', default=None); ap.add_argument('--note', default='')
    a = ap.parse_args()
    a.name = f"{BASE}-{a.kind}"
    a.out = Path(a.out or ROOT / 'runs' / a.name)
    return a


def train(a):
    from multidiff.image.control import control_data, train_control
    from multidiff.image.text_to_image import TextToImagePipeline
    def run(resume):
        pipe = TextToImagePipeline.from_pretrained(BASE)
        data = control_data(pipe, a.kind, a.scenes, seed=a.seed)
        train_control(pipe, data, a.out, steps=a.steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed, resume=resume,
                      progress=False, config={'ckpt_every': 100, 'log_every': 25}, width=a.width)
    secs = train_segment(a.out, run)
    print(f"trained {a.out}/final in {secs:.0f} s (this segment)")


def _cpu() -> str:
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    from _common import cpu_model
    return cpu_model()


def export(a):
    from diffusers import ControlNetModel
    out = ROOT / 'multidiff' / 'pretrained' / a.name
    if out.exists(): shutil.rmtree(out)
    ControlNetModel.from_pretrained(a.out / 'final').save_pretrained(out); strip_local_paths(out)
    secs = sum(float(l.split('=')[1]) for l in (a.out / 'wall_time.txt').read_text().split())
    n = sum(p.numel() for p in ControlNetModel.from_pretrained(out).parameters())
    bench = json.loads(Path(a.bench).read_text()) if a.bench else {}
    what = ("the Canny edges (scikit-image, sigma 1) of the wanted image, white on black" if a.kind == 'edges'
            else "each object's bounding box filled white on black")
    opts = ' '.join(f"--{k.replace('_', '-')} {getattr(a, k)}" for k in SETTINGS if getattr(a, k) != SETTINGS[k])
    script = f".venv/bin/python benchmarks/recipes/control_shapes.py --kind {a.kind} --steps {a.steps}{' ' + opts if opts else ''}"
    lines = [f"# multidiff {a.name}: {a.kind} control for `{BASE}`", "",
             f"- **Model:** a diffusers `ControlNetModel` branch ({n / 1e6:.2f}M parameters) copied from `{BASE}`'s UNet "
             f"encoder (`multidiff.core.control.control_branch`, embedding widths {a.width}-{4 * a.width}, "
             "two halvings: 64x64 maps to the 16x16 latent), zero-initialised outputs; the base stays frozen.",
             f"- **Control map:** one channel, 64x64, {what}; the prompt sets the rest (colour{'' if a.kind == 'edges' else ', shape'}).",
             f"- **Load:** `TextToImagePipeline.from_pretrained('{BASE}', controlnet=load_controlnet('{a.name}'))` "
             "(`multidiff.core.control.load_controlnet`), then `pipe(prompt, control_image=map, "
             "controlnet_conditioning_scale=1.0)`; "
             f"or `multidiff sample image --prompt ... --control map.png --controlnet {a.name}`.",
             f"- **Data:** the first {a.scenes} scenes of the captioned-shapes train split (the base's own, seed {a.seed}), "
             "latents and token ids precomputed with the base's VAE and tokenizer, control maps made from the scenes.",
             f"- **Seed:** {a.seed}. **Steps:** {a.steps} optimizer steps of {a.batch_size} (EMA 0.999 weights shipped), lr {a.lr}, "
             "the base's loss and 10% prompt dropout (`multidiff.core.control.ControlTraining`).",
             f"- **Command:** `{script}`, then `{script} --export`, the benchmark, then `{script} --export --bench {a.bench}`.",
             f"- **Wall time:** {secs / 3600:.3f} h of training (data preparation included) on {_cpu()}, "
             f"{torch.get_num_threads()} CPU thread(s), no GPU ({platform.platform()}).",
             *([f"- **Note:** {a.note}"] if a.note else []), ""]
    if bench: lines += ["## Measured (`benchmarks/control.py`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```", ""]
    (out / 'README.md').write_text('\n'.join(lines))
    print(f"exported {out} ({sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.1f} MB)")


if __name__ == '__main__':
    a = args()
    export(a) if a.export else train(a)
