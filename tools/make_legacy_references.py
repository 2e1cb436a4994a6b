"""Record what the pre-pipeline sampling functions return, so the pipelines can be checked against them bit for bit.

Run once at commit 7aab36a (the last commit before issue 21's pipelines), from the repository root:
    .venv/bin/python tools/make_legacy_references.py
It writes tests/data/legacy_references.safetensors (tensors) and tests/data/legacy_references.json (SMILES and
the exact calls). `tests/test_pipelines.py` reruns the same calls through the pipelines and compares.
"""
import json, sys
from pathlib import Path
import numpy as np
import torch
from safetensors.torch import save_file

OUT = Path('tests/data')
torch.set_num_threads(1)  # the tests compare under the same thread count


def molecules(tensors, meta):
    from multidiff.molecules.model import load_pretrained, sample_molecules
    m = load_pretrained()
    calls = {'plain': dict(n=6, num_steps=45, seed=0), 'guided': dict(n=4, num_steps=30, seed=3, properties={'mu': 4.0}, guidance_scale=2.0),
             'scaffold': dict(n=4, num_steps=20, seed=5, scaffold='C1=CC=CC=C1'), 'grid': dict(n=4, num_steps=20, seed=1, sampler='grid')}
    meta['molecules'] = {k: {'call': c, 'smiles': sample_molecules(m, **c)} for k, c in calls.items()}


def sr(tensors, meta):
    from multidiff.image.sr import sr_pretrained, upscale_tensor
    m = sr_pretrained()
    lr = torch.rand(2, 3, 12, 10, generator=torch.Generator().manual_seed(0))
    tensors['sr.lr'] = lr
    calls = {'one_step': dict(num_steps=1, seed=0), 'tiled': dict(num_steps=3, seed=2, tile=24, overlap=8),
             'noisy': dict(num_steps=2, seed=1, noise_level=0.05, sampler='dpm++')}
    for k, c in calls.items(): tensors[f'sr.{k}'] = upscale_tensor(m, lr, **c)
    meta['sr'] = calls


def audio(tensors, meta):
    from multidiff.audio.model import audio_pretrained, generate_mels, inpaint
    m = audio_pretrained()
    calls = {'labels': dict(labels=[0, 3, 7], num_steps=8, seed=0), 'unconditional': dict(labels=None, n=2, num_steps=6, seed=4),
             'ddim': dict(labels=[5], num_steps=5, seed=1, sampler='ddim', guidance_scale=1.5)}
    for k, c in calls.items(): tensors[f'audio.{k}'] = generate_mels(m, **c)
    wave = torch.sin(torch.arange(m.codec.length) / 8.0) * 0.3
    tensors['audio.inpaint_in'] = wave
    tensors['audio.inpaint'] = inpaint(m, wave, 0.3, 0.6, label=2, num_steps=6, seed=0)
    meta['audio'] = {**calls, 'inpaint': dict(start=0.3, end=0.6, label=2, num_steps=6, seed=0)}


def video(tensors, meta):
    from multidiff.video.model import video_pretrained, predict_video, generate_video, interpolate_video
    m = video_pretrained()
    clips = torch.from_numpy(np.load('data/moving_digits.npy')[:2])
    tensors['video.clips'] = clips
    tensors['video.predict'] = predict_video(m, clips[:, :5], 12, seed=0)
    tensors['video.predict_long'] = predict_video(m, clips[:1, :5], 20, num_steps=4, seed=1)
    tensors['video.generate'] = generate_video(m, 1, num_steps=5, seed=2)
    tensors['video.interpolate'] = interpolate_video(m, clips[:1, :3], clips[:1, 10:13], 13, num_steps=4, seed=3)
    meta['video'] = {'predict': dict(frames=12, seed=0), 'predict_long': dict(frames=20, num_steps=4, seed=1),
                     'generate': dict(n=1, num_steps=5, seed=2), 'interpolate': dict(frames=13, num_steps=4, seed=3)}


def digits(tensors, meta):
    from multidiff.core.digits import digits_model
    m = digits_model(seed=0)
    labels = torch.arange(10).repeat_interleave(2)
    tensors['digits.dpm'] = m.sample((len(labels), 1, 8, 8), sampler='dpm++', num_steps=10, seed=0, cond=labels,
                                     guidance_scale=2.0, progress=False)
    tensors['digits.ddpm'] = m.sample((4, 1, 8, 8), num_steps=6, seed=1, cond=torch.tensor([1, 2, 3, 4]), progress=False)
    meta['digits'] = {'dpm': dict(sampler='dpm++', num_steps=10, seed=0, guidance_scale=2.0, per_class=2),
                      'ddpm': dict(num_steps=6, seed=1, labels=[1, 2, 3, 4]), 'model': 'digits_model(seed=0), untrained'}


if __name__ == '__main__':
    import subprocess
    commit = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip()
    tensors, meta = {}, {'commit': commit, 'threads': 1}
    for f in (molecules, sr, audio, video, digits):
        f(tensors, meta); print(f.__name__, 'done', file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(OUT / 'legacy_references.safetensors'))
    (OUT / 'legacy_references.json').write_text(json.dumps(meta, indent=1))
