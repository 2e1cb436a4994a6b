"""Re-export the shipped x4 super-resolution checkpoint (multidiff/pretrained/sr_x4) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, sr_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OldCheckpoint, cli, export, loaded, old_scheduler, same_config

NAME = 'sr_x4'
LOAD_LINE = ("- **Load:** `from multidiff.image.sr_pipeline import SuperResolutionPipeline; "
             f"pipe = SuperResolutionPipeline.from_pretrained('{NAME}')`, then `pipe(lr).images` "
             "(lr: [B, 3, h, w] in [0, 1] or a PIL image) or `pipe.upscale_file(src, dst)`.")
PIPELINE_KEYS = ('residual_scale', 'aug_max', 'aug_prob', 'high_noise_fraction')  # the old sr_config's, in the pipeline's config


def main(commit: str):
    from diffusers import UNet2DModel
    from multidiff.image.sr import SRDenoiser
    from multidiff.image.sr_pipeline import SuperResolutionPipeline
    old = OldCheckpoint(NAME, commit)
    model_cfg, sr_cfg = old.json('model_config.json'), old.json('sr_config.json')
    den = loaded(SRDenoiser(UNet2DModel.from_config(sr_cfg['unet']), sr_cfg['scale']), old.weights)
    assert model_cfg['null_cond'] is None and model_cfg['cond_dropout'] == 0.0, model_cfg
    assert model_cfg['high_noise_fraction'] == sr_cfg['high_noise_fraction'], (model_cfg, sr_cfg)
    pipe = SuperResolutionPipeline(den, old_scheduler(model_cfg['scheduler']), **{k: sr_cfg[k] for k in PIPELINE_KEYS})

    def check(back):
        assert dict(back.denoiser.unet.config) == dict(den.unet.config) and back.scale == sr_cfg['scale']
        same_config(back.config, sr_cfg, PIPELINE_KEYS)
    export(pipe, old, LOAD_LINE, check=check)


if __name__ == '__main__':
    main(cli(__doc__, __file__))
