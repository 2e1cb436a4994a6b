"""Recipe for the shipped Moving MNIST checkpoint (multidiff/pretrained/video_mmnist).

Trains the masked space-time model on Moving MNIST made on the fly at the CPU scale of the benchmark (two 14-pixel digits
on a 32x32 canvas, 1.8 pixels per frame, 16-frame windows) from the first 9,000 MNIST test digits in
../shared/data/video/mnist (read by path, never copied); the last 1,000 digits are held out for benchmarks/video_mmnist.py.
Then exports the EMA weights with a model card (--export, after the benchmark has run).

Run:  .venv/bin/python benchmarks/recipes/video_mmnist.py [--out runs/video_mmnist] [--steps 4000]   (resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/video_mmnist.py --export --bench benchmarks/results/video_mmnist.json
"""
import argparse, json, os, platform, sys, time
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
DATA = dict(canvas=32, num_digits=2, frames=16, step=1.8, digit_size=14, train_digits=9000)
SETTINGS = dict(batch_size=8, lr=5e-4, seed=0, channels=(64, 128, 128), attention_levels=(1, 2), fold=2)

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

def train(args):
    from multidiff.video.data import MovingDigits
    from multidiff.video.model import train_video
    torch.set_num_threads(os.cpu_count() or 1)
    data = MovingDigits(digits(Path(args.shared), 'train'), canvas=DATA['canvas'], num_digits=DATA['num_digits'], frames=DATA['frames'],
                        step=DATA['step'], length=10 ** 7, seed=SETTINGS['seed'])
    t0 = time.time()
    train_video(data, args.out, steps=args.steps, resume=(Path(args.out) / 'checkpoints').exists(), progress=False, **SETTINGS)
    with open(Path(args.out) / 'wall_time.txt', 'a') as f: f.write(f"segment_train_seconds={time.time() - t0:.0f}\n")

def export(args):
    from multidiff.video.model import video_from_run
    out = ROOT / 'multidiff' / 'pretrained' / 'video_mmnist'
    m = video_from_run(args.out)
    m.save_pretrained(out)
    secs = sum(float(l.split('=')[1]) for l in (Path(args.out) / 'wall_time.txt').read_text().split())
    bench = json.loads(Path(args.bench).read_text()) if args.bench else {}
    n = sum(p.numel() for p in m.parameters())
    card = ["# multidiff video_mmnist: masked space-time diffusion on Moving MNIST (32x32)", "",
            f"- **Model:** `SpaceTimeUNet` (factorised: per-frame 3x3 convolutions, temporal 3-tap convolutions, spatial and temporal attention at levels "
            f"{list(SETTINGS['attention_levels'])}), {n / 1e6:.2f}M parameters, widths {list(SETTINGS['channels'])}, frames folded 2x2; v-prediction, cosine schedule, T=1000; "
            f"{DATA['frames']}-frame windows; trained with random given frames (none, a prefix, both ends, a random subset) kept clean and left out of the loss.",
            f"- **Data:** Moving MNIST made on the fly: {DATA['num_digits']} digits of {DATA['digit_size']} px (bicubic from 28 px) on a {DATA['canvas']}x{DATA['canvas']} canvas, "
            f"{DATA['step']} px per frame, from the first {DATA['train_digits']} MNIST test images (`../shared/data/video/mnist`); the last 1,000 are held out for the benchmark.",
            f"- **Command:** `.venv/bin/python benchmarks/recipes/video_mmnist.py --steps {args.steps}` (settings {json.dumps(SETTINGS)}), "
            f"then `.venv/bin/python benchmarks/recipes/video_mmnist.py --export --bench {args.bench}`.",
            f"- **Seed:** {SETTINGS['seed']}. **Steps:** {args.steps} optimizer steps of {SETTINGS['batch_size']} clips (EMA 0.999 weights shipped).",
            f"- **Wall time:** {secs / 3600:.2f} h of training on {bench.get('environment', {}).get('cpu_model', platform.processor() or 'CPU')}, "
            f"{torch.get_num_threads()} CPU threads, no GPU ({platform.platform()}).", ""]
    if args.note: card[-1:-1] = [f"- **Note:** {args.note}"]
    if bench: card += [f"## Measured (`{bench['command']}`)", "", "```json", json.dumps(bench['summary'], indent=2), "```", ""]
    (out / 'README.md').write_text('\n'.join(card))
    print(f"exported {out} ({sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.1f} MB)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=str(ROOT / 'runs' / 'video_mmnist')); ap.add_argument('--steps', type=int, default=4000)
    ap.add_argument('--shared', default=os.environ.get('MULTIDIFF_SHARED', str(ROOT.parent / 'shared')))
    ap.add_argument('--export', action='store_true'); ap.add_argument('--bench', default=None); ap.add_argument('--note', default='')
    args = ap.parse_args()
    export(args) if args.export else train(args)
