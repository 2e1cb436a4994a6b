"""Re-export the shipped Moving MNIST checkpoint (multidiff/pretrained/video_mmnist) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, video_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.
"""
import json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OldCheckpoint, cli, export, loaded, old_scheduler, same_config, shipped

NAME = 'video_mmnist'
LOAD_LINE = ("- **Load:** `from multidiff.video.pipeline import VideoPipeline; "
             f"pipe = VideoPipeline.from_pretrained('{NAME}')`, then `pipe(context=first_frames, num_frames=15).frames` "
             "(uint8 [B, 15, 32, 32]: the given frames, then predicted ones) or `pipe(num_videos=2).frames` (generated clips).")
# the card's sampling line, replaced by the pipeline's defaults
SAMPLING_LINE = ("- **Sampling:** ancestral (DDPM); `VideoPipeline`'s defaults: for prediction (`pipe(context=...)`) 10 steps with "
                 "classifier-free guidance 2 on the given frames (`ContextGuidance`), for generation 25 steps.")
PIPELINE_KEYS = ('frames', 'size', 'high_noise_fraction', 'mask_probs')  # the old video_config's, in the pipeline's config


def main(commit: str):
    from multidiff.video.model import FrameTranslator, FrameStackUNet, SpaceTimeUNet
    from multidiff.video.pipeline import VideoPipeline
    old = OldCheckpoint(NAME, commit)
    model_cfg, video_cfg = old.json('model_config.json'), old.json('video_config.json')
    net_cfg = dict(video_cfg['unet'])
    kind = net_cfg.pop('kind', 'spacetime')  # the old `video_denoiser` rule
    assert 'precondition' not in net_cfg, 'a preconditioned checkpoint: wrap the network in core Preconditioned'
    net = {'translator': FrameTranslator, 'framestack': FrameStackUNet, 'spacetime': SpaceTimeUNet}[kind](**net_cfg)
    net = loaded(net, old.weights)
    assert model_cfg['null_cond'] is None and model_cfg['cond_dropout'] == 0.0, model_cfg
    assert model_cfg['high_noise_fraction'] == video_cfg['high_noise_fraction'], (model_cfg, video_cfg)
    pipe = VideoPipeline(net, old_scheduler(model_cfg['scheduler']), **{k: video_cfg[k] for k in PIPELINE_KEYS})

    def check(back):
        saved = json.loads((shipped(NAME) / 'denoiser' / 'config.json').read_text())
        assert type(back.denoiser) is type(net) and all(saved[k] == v for k, v in net_cfg.items()), (saved, net_cfg)
        same_config(back.config, video_cfg, PIPELINE_KEYS)
    export(pipe, old, LOAD_LINE, SAMPLING_LINE, check=check)


if __name__ == '__main__':
    main(cli(__doc__, __file__))
