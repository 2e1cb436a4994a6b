"""Re-export the shipped spoken-digit checkpoint (multidiff/pretrained/audio_fsdd) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, audio_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.

The old files are read from git history (commit 7aab36a, the last before issue 21), so this is reproducible after
they are gone. Run once from the repository root:
    .venv/bin/python tools/reexport/audio.py [--commit 7aab36a]
"""
import argparse, io, json, subprocess, sys
from pathlib import Path
import torch
from safetensors.torch import load, load_file

ROOT = Path(__file__).resolve().parents[2]
NAME = 'audio_fsdd'
LOAD_LINE = ("- **Load:** `from multidiff.audio.pipeline import AudioPipeline; "
             f"pipe = AudioPipeline.from_pretrained('{NAME}')`, then `pipe(labels=[0, 1, 2]).audios` (waveforms at 8 kHz).")


def old_file(commit: str, name: str) -> bytes:
    "A file of the old checkpoint folder at `commit`."
    return subprocess.run(['git', 'show', f'{commit}:multidiff/pretrained/{NAME}/{name}'], cwd=ROOT, check=True,
                          capture_output=True).stdout


def card(old: str) -> str:
    "The old model card with the how-to-load line (after the Data line; replaced if present)."
    lines = [l for l in old.splitlines() if not l.startswith('- **Load:**')]
    at = next(i for i, l in enumerate(lines) if l.startswith('- **Data:**')) + 1
    return '\n'.join(lines[:at] + [LOAD_LINE] + lines[at:]) + '\n'


def main(commit: str):
    from multidiff.core.scheduler import StateScheduler
    from multidiff.audio.model import audio_unet
    from multidiff.audio.codec import MelCodec
    from multidiff.audio.pipeline import AudioPipeline
    model_cfg, audio_cfg = json.loads(old_file(commit, 'model_config.json')), json.loads(old_file(commit, 'audio_config.json'))
    weights = load(old_file(commit, 'denoiser.safetensors'))
    codec = MelCodec(**audio_cfg['codec'])
    den = audio_unet(codec.mel.n_mels, codec.frames, audio_cfg['num_classes'], **audio_cfg['arch'])
    den.load_state_dict(weights, strict=True)
    sched = StateScheduler.from_config({k: v for k, v in model_cfg['scheduler'].items() if k != '_class_name'})
    assert model_cfg['null_cond'] == [audio_cfg['num_classes']], model_cfg['null_cond']
    pipe = AudioPipeline(den.eval(), sched, codec_config=codec.config, num_classes=audio_cfg['num_classes'],
                         cond_dropout=model_cfg['cond_dropout'])
    out = ROOT / 'multidiff' / 'pretrained' / NAME
    pipe.save_pretrained(out)  # replaces the folder atomically: the old files go
    (out / 'README.md').write_text(card(old_file(commit, 'README.md').decode()))
    new = load_file(out / 'denoiser' / 'diffusion_pytorch_model.safetensors')
    assert new.keys() == weights.keys() and all(torch.equal(new[k], weights[k]) for k in weights), 'weights changed'
    back = AudioPipeline.from_pretrained(NAME)
    assert back.scheduler.to_config() == sched.to_config() and back.codec.config == codec.config
    assert all(torch.equal(v, weights[k]) for k, v in back.denoiser.state_dict().items())
    print(f"re-exported {out}: {sorted(p.name for p in out.iterdir())}, {len(new)} tensors unchanged")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--commit', default='7aab36a', help='the commit that holds the old folder')
    main(ap.parse_args().commit)
