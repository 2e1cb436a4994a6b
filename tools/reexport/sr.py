"""Re-export the shipped x4 super-resolution checkpoint (multidiff/pretrained/sr_x4) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, sr_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.

The old files are read from git history (commit 7aab36a, the last before issue 21), so this is reproducible after
they are gone. Run once from the repository root:
    .venv/bin/python tools/reexport/sr.py [--commit 7aab36a]
"""
import argparse, json, subprocess
from pathlib import Path
import torch
from safetensors.torch import load, load_file

ROOT = Path(__file__).resolve().parents[2]
NAME = 'sr_x4'
LOAD_LINE = ("- **Load:** `from multidiff.image.sr_pipeline import SuperResolutionPipeline; "
             f"pipe = SuperResolutionPipeline.from_pretrained('{NAME}')`, then `pipe(lr).images` "
             "(lr: [B, 3, h, w] in [0, 1] or a PIL image) or `pipe.upscale_file(src, dst)`.")


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
    from diffusers import UNet2DModel
    from multidiff.core.scheduler import StateScheduler
    from multidiff.image.sr import SRDenoiser
    from multidiff.image.sr_pipeline import SuperResolutionPipeline
    model_cfg, sr_cfg = json.loads(old_file(commit, 'model_config.json')), json.loads(old_file(commit, 'sr_config.json'))
    weights = load(old_file(commit, 'denoiser.safetensors'))
    den = SRDenoiser(UNet2DModel.from_config(sr_cfg['unet']), sr_cfg['scale'])
    den.load_state_dict(weights, strict=True)
    sched = StateScheduler.from_config({k: v for k, v in model_cfg['scheduler'].items() if k != '_class_name'})
    assert model_cfg['null_cond'] is None and model_cfg['cond_dropout'] == 0.0, model_cfg
    assert model_cfg['high_noise_fraction'] == sr_cfg['high_noise_fraction'], (model_cfg, sr_cfg)
    pipe = SuperResolutionPipeline(den.eval(), sched, sr_cfg['residual_scale'], sr_cfg['aug_max'], sr_cfg['aug_prob'],
                                   sr_cfg['high_noise_fraction'])
    out = ROOT / 'multidiff' / 'pretrained' / NAME
    pipe.save_pretrained(out)  # replaces the folder atomically: the old files go
    (out / 'README.md').write_text(card(old_file(commit, 'README.md').decode()))
    new = load_file(out / 'denoiser' / 'diffusion_pytorch_model.safetensors')
    assert new.keys() == weights.keys() and all(torch.equal(new[k], weights[k]) for k in weights), 'weights changed'
    back = SuperResolutionPipeline.from_pretrained(NAME)
    assert back.scheduler.to_config() == sched.to_config(), 'scheduler changed'
    assert dict(back.denoiser.unet.config) == dict(den.unet.config) and back.scale == sr_cfg['scale']
    assert {k: back.config[k] for k in ('residual_scale', 'aug_max', 'aug_prob', 'high_noise_fraction')} == \
           {k: sr_cfg[k] for k in ('residual_scale', 'aug_max', 'aug_prob', 'high_noise_fraction')}
    assert all(torch.equal(v, weights[k]) for k, v in back.denoiser.state_dict().items())
    print(f"re-exported {out}: {sorted(p.name for p in out.iterdir())}, {len(new)} tensors unchanged")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--commit', default='7aab36a', help='the commit that holds the old folder')
    main(ap.parse_args().commit)
