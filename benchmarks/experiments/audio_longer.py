"""Issue 28, 'undertraining?': the shipped audio_fsdd trained further (same data, recipe settings, lower peak lr), saved as a
pipeline folder for benchmarks/audio_diagnose.py (`checkpoint=runs/audio_longer/final`) to score beside the shipped one.

Run:  .venv/bin/python benchmarks/experiments/audio_longer.py --steps 1500 --out runs/audio_longer   (resumes)
"""
import argparse, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from multidiff.audio.model import load_clips
from multidiff.audio.pipeline import AudioPipeline
from multidiff.core.checkpoint import shared_dir
from multidiff.core.trainer import domain_config, train_in_folder


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=1500); ap.add_argument('--lr', type=float, default=2e-4)
    ap.add_argument('--out', default='runs/audio_longer'); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    pipe = AudioPipeline.from_pretrained('audio_fsdd')
    d = load_clips(shared_dir() / 'data' / 'audio' / 'fsdd', pipe.codec, 'train')
    model, out = pipe.to_model(), Path(a.out)
    cfg = domain_config(a.steps, 32, a.lr, 1, False, log_every=100)
    t0 = time.time()
    resume = (out / 'checkpoints').exists() and any((out / 'checkpoints').iterdir())
    train_in_folder(model, (d['mels'], d['labels']), cfg, out, resume)
    AudioPipeline.from_run(out).save_pretrained(out / 'final')  # the EMA weights (model/ holds the starting ones)
    print(f"trained {a.steps} steps in {time.time() - t0:.0f} s; the pipeline is {out / 'final'}")


if __name__ == '__main__':
    main()
