"""Re-export the shipped spoken-digit checkpoint (multidiff/pretrained/audio_fsdd) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, audio_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OldCheckpoint, cli, export, loaded, old_scheduler

NAME = 'audio_fsdd'
LOAD_LINE = ("- **Load:** `from multidiff.audio.pipeline import AudioPipeline; "
             f"pipe = AudioPipeline.from_pretrained('{NAME}')`, then `pipe(labels=[0, 1, 2]).audios` (waveforms at 8 kHz).")


def main(commit: str):
    from multidiff.audio.model import audio_unet
    from multidiff.audio.codec import MelCodec
    from multidiff.audio.pipeline import AudioPipeline
    old = OldCheckpoint(NAME, commit)
    model_cfg, audio_cfg = old.json('model_config.json'), old.json('audio_config.json')
    codec = MelCodec(**audio_cfg['codec'])
    den = loaded(audio_unet(codec.mel.n_mels, codec.frames, audio_cfg['num_classes'], **audio_cfg['arch']), old.weights)
    assert model_cfg['null_cond'] == [audio_cfg['num_classes']], model_cfg['null_cond']
    pipe = AudioPipeline(den, old_scheduler(model_cfg['scheduler']), codec_config=codec.config,
                         num_classes=audio_cfg['num_classes'], cond_dropout=model_cfg['cond_dropout'])

    def check(back):
        assert back.codec.config == codec.config
    export(pipe, old, LOAD_LINE, check=check)


if __name__ == '__main__':
    main(cli(__doc__, __file__))
