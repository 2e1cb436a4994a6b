"""Recipe for the shipped x4 super-resolution checkpoint (multidiff/pretrained/sr_x4).

Trains on random 96-pixel crops of BSD100 (../shared/data/sr/BSD100, read by path, never copied) plus the project's
scikit-image sample photos (data/photos, public domain / CC0); Set5, the benchmark's test set, is never seen.
Then exports the EMA weights with a model card (--export, after benchmarks/sr_set5.py has run).

Run:  .venv/bin/python benchmarks/recipes/sr_x4.py [--out runs/sr_x4] [--steps 8000]      (resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/sr_x4.py --export --bench benchmarks/results/sr_set5.json
"""
import argparse, json, os, platform, shutil, sys, time
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = dict(scale=4, crop=96, batch_size=16, lr=4e-4, seed=0, channels=(64, 128, 128, 128), layers_per_block=1)

def train_images(shared:Path) -> list:
    bsd = sorted((shared / 'data' / 'sr' / 'BSD100').glob('*.png'))
    if not bsd: sys.exit(f"BSD100 not found under {shared}/data/sr: set MULTIDIFF_SHARED or --shared")
    return bsd + sorted((ROOT / 'data' / 'photos').glob('*.png'))

def train(args):
    from multidiff.image.sr import train_sr
    torch.set_num_threads(os.cpu_count() or 1)
    images = train_images(Path(args.shared)); t0 = time.time()
    train_sr(images, args.out, steps=args.steps, resume=(Path(args.out) / 'checkpoints').exists(), progress=False, **SETTINGS)
    with open(Path(args.out) / 'wall_time.txt', 'a') as f: f.write(f"segment_train_seconds={time.time() - t0:.0f}\n")

def export(args):
    from multidiff.image.sr import sr_from_run
    out = ROOT / 'multidiff' / 'pretrained' / 'sr_x4'
    m = sr_from_run(args.out)
    m.save_pretrained(out)
    secs = sum(float(l.split('=')[1]) for l in (Path(args.out) / 'wall_time.txt').read_text().split())
    bench = json.loads(Path(args.bench).read_text()) if args.bench else {}
    n = sum(p.numel() for p in m.parameters())
    card = [f"# multidiff sr_x4: x4 super-resolution diffusion (SR3-style, residual over bicubic)", "",
            f"- **Model:** `SRDenoiser` over a diffusers UNet2DModel, {n / 1e6:.2f}M parameters, widths {list(SETTINGS['channels'])}, "
            f"{SETTINGS['layers_per_block']} ResNet layer per block, run at the input's resolution (space-to-depth by 4); v-prediction, cosine schedule, T=1000; "
            "the state is 8 x (HR - bicubic(LR)); conditioning noise augmentation up to 0.1 on half of the pairs.",
            f"- **Data:** random {SETTINGS['crop']}-pixel HR crops (flips, 90-degree turns) of BSD100 (100 images, `../shared/data/sr/BSD100`) "
            "and the 5 scikit-image photos in `data/photos`; LR by Pillow bicubic downsampling rounded to 8 bits. Set5 (the test set) was not used.",
            f"- **Command:** `.venv/bin/python benchmarks/recipes/sr_x4.py --steps {args.steps}` (settings {json.dumps({k: v for k, v in SETTINGS.items()})}), "
            f"then `.venv/bin/python benchmarks/recipes/sr_x4.py --export --bench {args.bench}`.",
            f"- **Seed:** {SETTINGS['seed']}. **Steps:** {args.steps} optimizer steps of batch {SETTINGS['batch_size']} (EMA 0.999 weights shipped).",
            f"- **Wall time:** {secs / 3600:.2f} h of training on {bench.get('environment', {}).get('cpu_model', platform.processor() or 'CPU')}, "
            f"{torch.get_num_threads()} CPU threads, no GPU ({platform.platform()}).", ""]
    if args.note: card[-1:-1] = [f"- **Note:** {args.note}"]
    if bench:
        bic, rows = bench['bicubic'], bench['by_steps']
        card += [f"## Measured (`benchmarks/sr_set5.py`, Set5 x4, PSNR/SSIM on Y with a 4-pixel border, mean over {bench['seeds']} seeds ± std)", "",
                 "| method | DDIM steps | PSNR-Y (dB) | SSIM-Y | consistency PSNR (dB) |", "|---|---|---|---|---|",
                 f"| bicubic (Pillow; published 28.42) | - | {bic['psnr_y']:.2f} | {bic['ssim_y']:.4f} | {bic['consistency_psnr']:.2f} |"]
        card += [f"| multidiff sr_x4 | {k} | {r['psnr_y']['mean']:.2f} ± {r['psnr_y']['std']:.3f} | {r['ssim_y']['mean']:.4f} | {r['consistency_psnr']['mean']:.2f} |" for k, r in rows.items()]
        card += ["| SRCNN / EDSR / SwinIR (published) | - | 30.48 / 32.46 / 32.92 | - | - |", ""]
        sp = bench['speed']; mem = bench['memory_1024']
        card += ["Speed, 128x128 -> 512x512, median of interleaved runs against a plain diffusers loop with the same UNet, scheduler and steps: "
                 + "; ".join(f"{k} step(s) {v['ours_median']:.3f} s vs {v['diffusers_median']:.3f} s (ratio {v['ratio']:.3f}, outputs identical: max |diff| {v['max_abs_difference']})" for k, v in sp.items()) + ".",
                 f"Peak RSS of `multidiff upscale` for a 1024x1024 output: {mem['peak_rss_gb']:.2f} GB ({mem['seconds']} s).", ""]
    (out / 'README.md').write_text('\n'.join(card))
    print(f"exported {out} ({sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.1f} MB)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=str(ROOT / 'runs' / 'sr_x4')); ap.add_argument('--steps', type=int, default=8000)
    ap.add_argument('--shared', default=os.environ.get('MULTIDIFF_SHARED', str(ROOT.parent / 'shared')))
    ap.add_argument('--export', action='store_true'); ap.add_argument('--bench', default=None); ap.add_argument('--note', default='')
    args = ap.parse_args()
    export(args) if args.export else train(args)
