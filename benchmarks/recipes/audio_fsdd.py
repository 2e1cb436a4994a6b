"""Recipe for the shipped spoken-digit checkpoint (multidiff/pretrained/audio_fsdd).

Trains the class-conditional mel-spectrogram model on the train split of the Free Spoken Digit Dataset
(../shared/data/audio/fsdd, 2,700 clips, read by path, never copied); the test split (300 clips) is never seen.
Then exports the EMA weights with a model card (--export, after benchmarks/audio_fsdd.py has run).

Run:  .venv/bin/python benchmarks/recipes/audio_fsdd.py [--out runs/audio_fsdd] [--steps 4000]   (resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/audio_fsdd.py --export --bench benchmarks/results/audio_fsdd.json
"""
import argparse, json, os, platform, sys, time
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = dict(batch_size=32, lr=5e-4, seed=0, channels=(64, 128, 128), layers_per_block=1, attention=True, fold=4)

def fsdd(shared:Path) -> Path:
    root = shared / 'data' / 'audio' / 'fsdd'
    if not (root / 'manifest.csv').exists(): sys.exit(f"FSDD not found under {shared}/data/audio: set MULTIDIFF_SHARED or --shared")
    return root

def train(args):
    from multidiff.audio.model import train_audio
    torch.set_num_threads(os.cpu_count() or 1)
    t0 = time.time()
    train_audio(fsdd(Path(args.shared)), args.out, steps=args.steps, resume=(Path(args.out) / 'checkpoints').exists(), progress=False, **SETTINGS)
    with open(Path(args.out) / 'wall_time.txt', 'a') as f: f.write(f"segment_train_seconds={time.time() - t0:.0f}\n")

def export(args):
    from multidiff.audio.model import audio_from_run
    out = ROOT / 'multidiff' / 'pretrained' / 'audio_fsdd'
    m = audio_from_run(args.out)
    m.save_pretrained(out)
    secs = sum(float(l.split('=')[1]) for l in (Path(args.out) / 'wall_time.txt').read_text().split())
    bench = json.loads(Path(args.bench).read_text()) if args.bench else {}
    n = sum(p.numel() for p in m.parameters())
    card = ["# multidiff audio_fsdd: class-conditional spoken-digit diffusion on mel spectrograms", "",
            f"- **Model:** a diffusers UNet2DModel on the 128x64 log-mel image folded 4x4 into 16 channels, {n / 1e6:.2f}M parameters, widths {list(SETTINGS['channels'])}, "
            "self-attention at the lowest level, 11 class embeddings (digits 0-9 and the null label), condition dropout 0.1; v-prediction, cosine schedule, T=1000. "
            f"Codec: {json.dumps(m.codec.config)} (Griffin-Lim inversion).",
            "- **Data:** the train split of the Free Spoken Digit Dataset (2,700 clips, 6 speakers, 8 kHz; `../shared/data/audio/fsdd`, CC BY-SA 4.0), "
            "clips left-aligned and padded or cropped to 1.008 s. The test split (300 clips) was not used.",
            f"- **Command:** `.venv/bin/python benchmarks/recipes/audio_fsdd.py --steps {args.steps}` (settings {json.dumps(SETTINGS)}), "
            f"then `.venv/bin/python benchmarks/recipes/audio_fsdd.py --export --bench {args.bench}`.",
            f"- **Seed:** {SETTINGS['seed']}. **Steps:** {args.steps} optimizer steps of batch {SETTINGS['batch_size']} (EMA 0.999 weights shipped).",
            f"- **Wall time:** {secs / 3600:.2f} h of training on {bench.get('environment', {}).get('cpu_model', platform.processor() or 'CPU')}, "
            f"{torch.get_num_threads()} CPU threads, no GPU ({platform.platform()}).", ""]
    if args.note: card[-1:-1] = [f"- **Note:** {args.note}"]
    if bench:
        card += [f"## Measured (`{bench['command']}`)", "", "```json", json.dumps(bench['summary'], indent=2), "```", "",
                 f"| guidance | classifier accuracy on {bench['samples']} samples | Fréchet distance vs real test | real-time factor |", "|---|---|---|---|"]
        card += [f"| {g} | {r['accuracy']:.3f} | {r['frechet_distance']:.1f} | {r['real_time_factor']:.3f} |" for g, r in bench['by_guidance_scale'].items()]
        card += [f"| real test clips | {bench['real']['test_accuracy']:.3f} (after the codec round trip {bench['real']['test_roundtrip_accuracy']:.3f}) | "
                 f"real train vs test {bench['real']['frechet_train500_vs_test']:.1f} | - |", ""]
    (out / 'README.md').write_text('\n'.join(card))
    print(f"exported {out} ({sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.1f} MB)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=str(ROOT / 'runs' / 'audio_fsdd')); ap.add_argument('--steps', type=int, default=4000)
    ap.add_argument('--shared', default=os.environ.get('MULTIDIFF_SHARED', str(ROOT.parent / 'shared')))
    ap.add_argument('--export', action='store_true'); ap.add_argument('--bench', default=None); ap.add_argument('--note', default='')
    args = ap.parse_args()
    export(args) if args.export else train(args)
