"""Recipe for the shipped spoken-digit checkpoint (multidiff/pretrained/audio_fsdd).

Trains the class-conditional mel-spectrogram model on the train split of the Free Spoken Digit Dataset
(../shared/data/audio/fsdd, 2,700 clips, read by path, never copied); the test split (300 clips) is never seen.
Training writes the EMA weights as a pipeline folder (runs/audio_fsdd/final, diffusers' layout); --export (after
benchmarks/audio_fsdd.py has run) copies that folder to multidiff/pretrained/audio_fsdd and writes the model card.

Run:  .venv/bin/python benchmarks/recipes/audio_fsdd.py [--out runs/audio_fsdd] [--steps 4000]   (resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/audio_fsdd.py --export --bench benchmarks/results/audio_fsdd.json
"""
import json, sys
from pathlib import Path
from _recipe import recipe_args, train_segment, export, settings_line

SETTINGS = dict(batch_size=32, lr=5e-4, seed=0, channels=(64, 128, 128), layers_per_block=1, attention=True, fold=4)

def fsdd(shared:Path) -> Path:
    root = shared / 'data' / 'audio' / 'fsdd'
    if not (root / 'manifest.csv').exists(): sys.exit(f"FSDD not found under {shared}/data/audio: set MULTIDIFF_SHARED or --shared")
    return root

def load_run(out) -> 'AudioPipeline':
    "The run's pipeline folder `final/` (written when training completes), else its latest checkpoint's EMA weights."
    from multidiff.audio.pipeline import AudioPipeline
    final = Path(out) / 'final'
    return AudioPipeline.from_pretrained(final) if (final / 'model_index.json').exists() else AudioPipeline.from_run(out)

def card(pipe, bench):
    n = sum(p.numel() for p in pipe.denoiser.parameters())
    body = [f"- **Model:** a diffusers UNet2DModel on the 128x64 log-mel image folded 4x4 into 16 channels, {n / 1e6:.2f}M parameters, widths {list(SETTINGS['channels'])}, "
            "self-attention at the lowest level, 11 class embeddings (digits 0-9 and the null label), condition dropout 0.1; v-prediction, cosine schedule, T=1000. "
            f"Codec: {json.dumps(pipe.codec.config)} (Griffin-Lim inversion).",
            "- **Data:** the train split of the Free Spoken Digit Dataset (2,700 clips, 6 speakers, 8 kHz; `../shared/data/audio/fsdd`, CC BY-SA 4.0), "
            "clips left-aligned and padded or cropped to 1.008 s. The test split (300 clips) was not used.",
            "- **Load:** `from multidiff.audio.pipeline import AudioPipeline; pipe = AudioPipeline.from_pretrained('audio_fsdd')`, "
            "then `pipe(labels=[0, 1, 2]).audios` (waveforms at 8 kHz).",
            settings_line(SETTINGS, args.steps, f"batch {SETTINGS['batch_size']}")]
    measured = [f"## Measured (`{bench.get('command')}`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```", "",
                f"| guidance | classifier accuracy on {bench.get('samples')} samples | Fréchet distance vs real test | real-time factor |", "|---|---|---|---|"]
    if bench:
        measured += [f"| {g} | {r['accuracy']:.3f} | {r['frechet_distance']:.1f} | {r['real_time_factor']:.3f} |" for g, r in bench['by_guidance_scale'].items()]
        measured += [f"| real test clips | {bench['real']['test_accuracy']:.3f} (after the codec round trip {bench['real']['test_roundtrip_accuracy']:.3f}) | "
                     f"real train vs test {bench['real']['frechet_train500_vs_test']:.1f} | - |"]
    return "class-conditional spoken-digit diffusion on mel spectrograms", body, measured

if __name__ == '__main__':
    args = recipe_args('audio_fsdd', 4000, __doc__)
    from multidiff.audio.model import train_audio
    from multidiff.audio.pipeline import AudioPipeline
    if args.export: export(args, load_run, AudioPipeline.from_pretrained, card)
    else: train_segment(args.out, lambda resume: train_audio(fsdd(Path(args.shared)), args.out, steps=args.steps, resume=resume, progress=False, **SETTINGS))
