"""Recipe for the shipped spoken-digit checkpoint (multidiff/pretrained/audio_fsdd).

Trains the class-conditional mel-spectrogram model on the train split of the Free Spoken Digit Dataset
(../shared/data/audio/fsdd, 2,700 clips, read by path, never copied); the test split (300 clips) is never seen.
Training writes the EMA weights as a pipeline folder (runs/audio_fsdd/final, diffusers' layout); --export (after
benchmarks/audio_fsdd.py has run) copies that folder to multidiff/pretrained/audio_fsdd and writes the model card.

Issue 28 re-shipped the same weights with the scheduler saved as `timestep_spacing='trailing'` (sampling starts
from pure noise at t = T-1; new models get it from `audio_model`), the card measured with the pipeline's new defaults:
--export --card-only --respace (the run folder is gone; the weights are not touched).

Run:  .venv/bin/python benchmarks/recipes/audio_fsdd.py [--out runs/audio_fsdd] [--steps 4000]   (resumes an interrupted run)
      .venv/bin/python benchmarks/recipes/audio_fsdd.py --export --bench benchmarks/results/audio_fsdd.json
      .venv/bin/python benchmarks/recipes/audio_fsdd.py --export --card-only --respace --steps 5000 --wall-hours 1.03 --train-cpu "Intel(R) Xeon(R) Processor" --bench benchmarks/results/audio_fsdd.json
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

def respaced(folder) -> 'AudioPipeline':
    "The shipped pipeline; with --respace its scheduler is saved again with trailing spacing (swapped in by renames)."
    import shutil
    from multidiff.audio.pipeline import AudioPipeline
    pipe = AudioPipeline.from_pretrained(folder)
    if not args.respace: return pipe
    pipe.scheduler = pipe.scheduler.with_sampler('ddpm', timestep_spacing='trailing')
    folder = Path(folder); tmp, old = folder / 'scheduler.tmp', folder / 'scheduler.old'
    for f in (tmp, old): shutil.rmtree(f, ignore_errors=True)  # left by an interrupted swap
    pipe.scheduler.save_pretrained(tmp)
    (folder / 'scheduler').rename(old); tmp.rename(folder / 'scheduler'); shutil.rmtree(old)
    return pipe

def judge_lines(bench) -> list:
    "The independent judges' rows for the card (issue 28)."
    out = ["", "| independent judge | real test | real test after the round trip | samples | Fréchet samples vs test | "
           "Fréchet real train vs test | diversity samples / real |", "|---|---|---|---|---|---|---|"]
    for j in bench.get('independent_judges', []):
        r = j['report']
        out.append(f"| `{j['name']}` ({j['design'].split(' ->')[0]}) | {r['accuracy_real_test']:.3f} | "
                   f"{r['accuracy_real_test_roundtrip']:.3f} | {r['accuracy_samples']:.3f} | "
                   f"{r['frechet_samples_vs_test']:.2f} | {r['frechet_train_vs_test']:.2f} | {r['diversity_ratio_mean']:.2f} |")
    return out if len(out) > 3 else []

def card(pipe, bench):
    n = sum(p.numel() for p in pipe.denoiser.parameters())
    body = [f"- **Model:** a diffusers UNet2DModel on the 128x64 log-mel image folded 4x4 into 16 channels, {n / 1e6:.2f}M parameters, widths {list(SETTINGS['channels'])}, "
            "self-attention at the lowest level, 11 class embeddings (digits 0-9 and the null label), condition dropout 0.1; v-prediction, cosine schedule, T=1000. "
            f"Codec: {json.dumps(pipe.codec.config)} (Griffin-Lim inversion).",
            "- **Data:** the train split of the Free Spoken Digit Dataset (2,700 clips, 6 speakers, 8 kHz; `../shared/data/audio/fsdd`, CC BY-SA 4.0), "
            "clips left-aligned and padded or cropped to 1.008 s. The test split (300 clips) was not used.",
            "- **Load:** `from multidiff.audio.pipeline import AudioPipeline; pipe = AudioPipeline.from_pretrained('audio_fsdd')`, "
            "then `pipe(labels=[0, 1, 2]).audios` (waveforms at 8 kHz).",
            settings_line(SETTINGS, args.steps, f"batch {SETTINGS['batch_size']}"),
            "- **Sampling:** 25 DPM-Solver++ steps from pure noise (timestep_spacing 'trailing', saved in the scheduler "
            "since issue 28; the first shipping sampled with 'leading' spacing, starting at t=950, which made clips louder "
            "and longer than speech), classifier-free guidance 2 at t < 0.7 T only (`GUIDANCE_INTERVAL`)."]
    measured = [f"## Measured (`{bench.get('command')}`)", "", "```json", json.dumps(bench.get('summary'), indent=2), "```", "",
                f"| guidance | classifier accuracy on {bench.get('samples')} samples | Fréchet distance vs real test | real-time factor |", "|---|---|---|---|"]
    if bench:
        measured += [f"| {g} | {r['accuracy']:.3f} | {r['frechet_distance']:.1f} | {r['real_time_factor']:.3f} |" for g, r in bench['by_guidance_scale'].items()]
        measured += [f"| real test clips | {bench['real']['test_accuracy']:.3f} (after the codec round trip {bench['real']['test_roundtrip_accuracy']:.3f}) | "
                     f"real train vs test {bench['real']['frechet_train500_vs_test']:.1f} | - |"]
        measured += judge_lines(bench)
    return "class-conditional spoken-digit diffusion on mel spectrograms", body, measured

if __name__ == '__main__':
    import argparse
    extra = argparse.ArgumentParser(add_help=False); extra.add_argument('--respace', action='store_true')
    flags, rest = extra.parse_known_args(); sys.argv = [sys.argv[0], *rest]
    args = recipe_args('audio_fsdd', 4000, __doc__); args.respace = flags.respace
    from multidiff.audio.model import train_audio
    from multidiff.audio.pipeline import AudioPipeline
    if args.respace and not (args.export and args.card_only): sys.exit("--respace goes with --export --card-only")
    if args.export: export(args, load_run, respaced, card)
    else: train_segment(args.out, lambda resume: train_audio(fsdd(Path(args.shared)), args.out, steps=args.steps, resume=resume, progress=False, **SETTINGS))
