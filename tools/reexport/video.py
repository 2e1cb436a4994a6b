"""Re-export the shipped Moving MNIST checkpoint (multidiff/pretrained/video_mmnist) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, video_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.

The old files are read from git history (commit 7aab36a, the last before issue 21), so this is reproducible after
they are gone. Run once from the repository root:
    .venv/bin/python tools/reexport/video.py [--commit 7aab36a]
"""
import argparse, json, subprocess
from pathlib import Path
import torch
from safetensors.torch import load, load_file

ROOT = Path(__file__).resolve().parents[2]
NAME = 'video_mmnist'
LOAD_LINE = ("- **Load:** `from multidiff.video.pipeline import VideoPipeline; "
             f"pipe = VideoPipeline.from_pretrained('{NAME}')`, then `pipe(context=first_frames, num_frames=15).frames` "
             "(uint8 [B, 15, 32, 32]: the given frames, then predicted ones) or `pipe(num_videos=2).frames` (generated clips).")
SAMPLING_LINE = ("- **Sampling:** ancestral (DDPM); `VideoPipeline`'s defaults: for prediction (`pipe(context=...)`) 10 steps with "
                 "classifier-free guidance 2 on the given frames (`ContextGuidance`), for generation 25 steps.")


def old_file(commit: str, name: str) -> bytes:
    "A file of the old checkpoint folder at `commit`."
    return subprocess.run(['git', 'show', f'{commit}:multidiff/pretrained/{NAME}/{name}'], cwd=ROOT, check=True,
                          capture_output=True).stdout


def card(old: str) -> str:
    "The old model card with the how-to-load line (after the Data line; replaced if present) and the pipeline's sampling line."
    lines = [SAMPLING_LINE if l.startswith('- **Sampling:**') else l for l in old.splitlines() if not l.startswith('- **Load:**')]
    at = next(i for i, l in enumerate(lines) if l.startswith('- **Data:**')) + 1
    return '\n'.join(lines[:at] + [LOAD_LINE] + lines[at:]) + '\n'


def main(commit: str):
    from multidiff.core.scheduler import StateScheduler
    from multidiff.video.model import FrameTranslator, FrameStackUNet, SpaceTimeUNet
    from multidiff.video.pipeline import VideoPipeline
    model_cfg, video_cfg = json.loads(old_file(commit, 'model_config.json')), json.loads(old_file(commit, 'video_config.json'))
    weights = load(old_file(commit, 'denoiser.safetensors'))
    net_cfg = dict(video_cfg['unet'])
    kind = net_cfg.pop('kind', 'spacetime')  # the old `video_denoiser` rule
    assert 'precondition' not in net_cfg, 'a preconditioned checkpoint: wrap the network in core Preconditioned'
    net = {'translator': FrameTranslator, 'framestack': FrameStackUNet, 'spacetime': SpaceTimeUNet}[kind](**net_cfg)
    net.load_state_dict(weights, strict=True)
    sched = StateScheduler.from_config({k: v for k, v in model_cfg['scheduler'].items() if k != '_class_name'})
    assert model_cfg['null_cond'] is None and model_cfg['cond_dropout'] == 0.0, model_cfg
    assert model_cfg['high_noise_fraction'] == video_cfg['high_noise_fraction'], (model_cfg, video_cfg)
    pipe = VideoPipeline(net.eval(), sched, frames=video_cfg['frames'], size=video_cfg['size'],
                         high_noise_fraction=video_cfg['high_noise_fraction'], mask_probs=video_cfg['mask_probs'])
    out = ROOT / 'multidiff' / 'pretrained' / NAME
    pipe.save_pretrained(out)  # replaces the folder atomically: the old files go
    (out / 'README.md').write_text(card(old_file(commit, 'README.md').decode()))
    new = load_file(out / 'denoiser' / 'diffusion_pytorch_model.safetensors')
    assert new.keys() == weights.keys() and all(torch.equal(new[k], weights[k]) for k in weights), 'weights changed'
    back = VideoPipeline.from_pretrained(NAME)
    assert back.scheduler.to_config() == sched.to_config(), 'scheduler changed'
    saved = json.loads((out / 'denoiser' / 'config.json').read_text())
    assert type(back.denoiser) is type(net) and all(saved[k] == v for k, v in net_cfg.items()), (saved, net_cfg)
    assert {k: back.config[k] for k in ('frames', 'size', 'high_noise_fraction', 'mask_probs')} == \
           {k: video_cfg[k] for k in ('frames', 'size', 'high_noise_fraction', 'mask_probs')}
    assert all(torch.equal(v, weights[k]) for k, v in back.denoiser.state_dict().items())
    print(f"re-exported {out}: {sorted(p.name for p in out.iterdir())}, {len(new)} tensors unchanged")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--commit', default='7aab36a', help='the commit that holds the old folder')
    main(ap.parse_args().commit)
