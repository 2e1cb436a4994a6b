"""Write `data/moving_digits.npy`: 24 Moving MNIST-style clips (uint8 [24, 16, 32, 32]) made from scikit-learn's bundled
8x8 digits (BSD-3-Clause, upscaled bicubically to 14 px), by the rules of `multidiff.video.data.MovingDigits` at the
benchmark's CPU scale (two digits on 32x32, 1.8 px per frame), seed 0. Run from the repository root:
    python tools/make_video_sample.py [--out data/moving_digits.npy]"""
import argparse
from pathlib import Path
import numpy as np
import torch
from multidiff.video.data import MovingDigits, sklearn_digits

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('--out', default='data/moving_digits.npy')
    out = Path(p.parse_args().out)
    ds = MovingDigits(sklearn_digits(14)[0], canvas=32, num_digits=2, frames=16, step=1.8, length=24, seed=0)
    clips = torch.stack([ds[i] for i in range(len(ds))]).numpy()
    np.save(out, clips)
    print(f"{clips.shape} uint8, {out.stat().st_size / 1e3:.0f} kB in {out}")
