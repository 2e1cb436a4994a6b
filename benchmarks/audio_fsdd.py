"""FSDD spoken digits: 500 class-conditional samples (50 per digit) from the audio model at <= 25 steps,
scored by a small digit classifier trained here on the real train-split spectrograms; its accuracy on real
test clips (clean, and after a codec round trip, the ceiling for any mel model with this inversion) beside;
the Fréchet distance between generated and real test clips in the classifier's embedding space, with real
train clips vs test as the floor; the real-time factor (generation + Griffin-Lim inversion time / audio
duration).
Independent judges (benchmarks/audio_judges.py), trained here on the real train WAVEFORMS with their own
front ends and no augmentation: judge A, a small CNN on 40-band log-mels; judge B, MFCC + delta statistics
into a logistic regression. Each scores the same decoded samples at the summary's guidance scale (accuracy
overall and per digit; Fréchet distance to real test in its embedding, real train vs test the floor;
per-digit diversity against real test's) and gives its sample accuracy at every scale. Writes a JSON of
results.

Sampling as the pipeline does by default: DPM-Solver++ from pure noise (timestep_spacing 'trailing'), guidance 3 only at
t < 0.5 T (GUIDANCE_SCALE, GUIDANCE_INTERVAL); --timestep-spacing leading --guidance-interval none --summary-guidance 2
--guidance-scales 2 reproduce the protocol before issue 28.

--speed-only measures only the real-time factor (generation + inversion per second of audio, median over batches),
the pipeline's defaults and the earlier protocol side by side, on quiet cores:
    .venv/bin/python benchmarks/audio_fsdd.py --speed-only --per-class 10 --threads 2 --out benchmarks/results/audio_fsdd_speed.json

Run from the repository root (about 6 min on 2 idle CPU cores before the judges; they add about 1.5 min,
mostly judge A's training, 75 s on one thread):
    .venv/bin/python benchmarks/audio_fsdd.py --out benchmarks/results/audio_fsdd.json
Protocol: clips from ../shared/data/audio/fsdd (MULTIDIFF_SHARED) by its manifest's split; generated clips
are decoded to waveforms and re-encoded before they are classified, so inversion artefacts count; the judges
take those waveforms, and the real test clips' codec round trips (decoded the same way) for their ceiling.
"""
import argparse, os, statistics, sys, time, warnings
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from audio_judges import default_judges, judge_report, load_waves
from multidiff.audio.model import load_clips
from multidiff.audio.pipeline import AudioPipeline, GUIDANCE_INTERVAL, GUIDANCE_SCALE
from multidiff.audio.metrics import train_classifier, predict, frechet_distance, audio_scores
from multidiff.core.checkpoint import shared_dir


def independent_judges(a, codec, tr, te, roundtrip_waves, sample_waves, labels, best) -> list:
    "Per judge of audio_judges: {name, design, guidance_scale, report, accuracy_samples_by_guidance_scale}."
    tr_w, te_w = (load_waves(d['paths'], codec.sample_rate, codec.length) for d in (tr, te))
    out = []
    for judge in default_judges(codec.sample_rate, a.seed, a.judge_epochs):
        r = judge_report(judge, tr_w, tr['labels'], te_w, te['labels'], roundtrip_waves, sample_waves[best],
                         labels, seed=a.seed)
        by_gs = {gs: float((judge.predict(w) == labels.numpy()).mean()) for gs, w in sample_waves.items()}
        out.append({'name': judge.name, 'design': judge.design, 'guidance_scale': float(best), 'report': r,
                    'accuracy_samples_by_guidance_scale': by_gs})
        print('judge', judge.name, {k: v for k, v in r.items() if not isinstance(v, dict)}, flush=True)
    return out


def judge_summary(judges) -> dict:
    "Each judge's key numbers, for the summary."
    keys = {'accuracy_generated': 'accuracy_samples', 'accuracy_real_test': 'accuracy_real_test',
            'accuracy_real_test_roundtrip': 'accuracy_real_test_roundtrip',
            'frechet_generated_vs_test': 'frechet_samples_vs_test',
            'frechet_train_vs_test': 'frechet_train_vs_test',
            'diversity_ratio_generated_vs_test': 'diversity_ratio_mean'}
    return {j['name']: {k: j['report'][v] for k, v in keys.items()} for j in judges}


def parse_args():
    "The command-line options."
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', default=None, help='pipeline folder (default: the shipped multidiff/pretrained/audio_fsdd)')
    p.add_argument('--per-class', type=int, default=50); p.add_argument('--steps', type=int, default=25)
    p.add_argument('--sampler', default='dpm++'); p.add_argument('--guidance-scales', default=f'2.0,{GUIDANCE_SCALE}', help='comma-separated; the summary reports --summary-guidance')
    p.add_argument('--summary-guidance', type=float, default=GUIDANCE_SCALE, help="the scale the summary reports (the pipeline's default)")
    p.add_argument('--guidance-interval', default='default', help="'default' (the pipeline's, GUIDANCE_INTERVAL), 'none' (every step) or lo-hi")
    p.add_argument('--timestep-spacing', default='trailing', help="the sampler's timestep spacing (the pipeline's default: trailing)")
    p.add_argument('--batch', type=int, default=50); p.add_argument('--classifier-epochs', type=int, default=30)
    p.add_argument('--judge-epochs', type=int, default=15, help='epochs of independent judge A (a CNN)')
    p.add_argument('--seed', type=int, default=0); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', default='benchmarks/results/audio_fsdd.json')
    p.add_argument('--speed-only', action='store_true', help='only the real-time factor, default sampling vs the earlier protocol (no classifiers)')
    return p.parse_args()


def speed(a, pipe) -> dict:
    "Real-time factor only, side by side in one run: the pipeline's defaults vs the earlier protocol (median of batches)."
    codec, labels = pipe.codec, torch.arange(pipe.config.num_classes).repeat_interleave(a.per_class)
    protocols = {'pipeline_default': {}, 'before_issue_28': {'timestep_spacing': 'leading', 'guidance_interval': None, 'guidance_scale': 2.0}}
    out = {}
    for name, kw in protocols.items():
        rtf = []
        for i in range(0, len(labels), a.batch):
            t0 = time.perf_counter()
            m = pipe(labels[i:i + a.batch].tolist(), num_inference_steps=a.steps, seed=a.seed + i, sampler=a.sampler,
                     **{'guidance_scale': a.summary_guidance, **kw}, output_type='mel').mels
            codec.decode(m)
            rtf.append((time.perf_counter() - t0) / (len(m) * codec.seconds))
        out[name] = {'real_time_factor_median': statistics.median(rtf), 'batches': len(rtf), **kw}
        print(name, out[name], flush=True)
    return out


def main():
    a = parse_args()
    torch.set_num_threads(a.threads); warnings.filterwarnings('ignore', message='Cropped')
    if a.speed_only:
        pipe = AudioPipeline.from_pretrained(a.checkpoint or 'audio_fsdd'); pipe.set_progress_bar_config(disable=True)
        res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers')),
               'clips': pipe.config.num_classes * a.per_class, 'batch': a.batch, 'steps': a.steps, 'guidance_scale': a.summary_guidance,
               'speed': speed(a, pipe)}
        write_json_atomic(Path(a.out), res); print('wrote', a.out); return
    root = shared_dir() / 'data' / 'audio' / 'fsdd'
    if not (root / 'manifest.csv').exists(): sys.exit(f"FSDD not found at {root}: set MULTIDIFF_SHARED")
    pipe = AudioPipeline.from_pretrained(a.checkpoint or 'audio_fsdd')
    pipe.set_progress_bar_config(disable=True)
    codec, num_classes = pipe.codec, pipe.config.num_classes
    tr, te = load_clips(root, codec, 'train'), load_clips(root, codec, 'test')
    t0 = time.time(); clf = train_classifier(tr['mels'], tr['labels'], epochs=a.classifier_epochs, seed=a.seed); clf_s = time.time() - t0
    roundtrip_waves = codec.decode(te['mels']); roundtrip = codec.encode(roundtrip_waves)
    g = torch.Generator().manual_seed(a.seed); sub = torch.randperm(len(tr['mels']), generator=g)[:500]
    real = {'test_accuracy': audio_scores(clf, te['mels'], te['labels'], te['mels'])['accuracy'],
            'test_roundtrip_accuracy': audio_scores(clf, roundtrip, te['labels'], te['mels'])['accuracy'],
            'frechet_train500_vs_test': frechet_distance(predict(clf, tr['mels'][sub])[1], predict(clf, te['mels'])[1]),
            'frechet_test_roundtrip_vs_test': frechet_distance(predict(clf, roundtrip)[1], predict(clf, te['mels'])[1])}
    print('real', real, flush=True)
    labels = torch.arange(num_classes).repeat_interleave(a.per_class)
    interval = (GUIDANCE_INTERVAL if a.guidance_interval == 'default' else None if a.guidance_interval == 'none'
                else tuple(float(v) for v in a.guidance_interval.split('-')))
    runs, sample_waves = {}, {}
    for gs in [float(x) for x in a.guidance_scales.split(',')]:
        gen_t, inv_t, mels, waves = [], [], [], []
        for i in range(0, len(labels), a.batch):
            t0 = time.perf_counter()
            m = pipe(labels[i:i + a.batch].tolist(), num_inference_steps=a.steps, seed=a.seed + i, sampler=a.sampler,
                     guidance_scale=gs, guidance_interval=interval, timestep_spacing=a.timestep_spacing,
                     output_type='mel').mels
            t1 = time.perf_counter(); w = codec.decode(m); t2 = time.perf_counter()
            gen_t.append(t1 - t0); inv_t.append(t2 - t1); mels.append(codec.encode(w)); waves.append(w)
        mels, sample_waves[str(gs)] = torch.cat(mels), torch.cat(waves)
        audio_s = len(labels) * codec.seconds
        s = audio_scores(clf, mels, labels, te['mels'])
        pred, _ = predict(clf, mels)
        runs[str(gs)] = {**s, 'per_class_accuracy': [round((pred[labels == c] == c).float().mean().item(), 3) for c in range(num_classes)],
                         'generate_seconds': sum(gen_t), 'inversion_seconds': sum(inv_t), 'audio_seconds': audio_s,
                         'real_time_factor': (sum(gen_t) + sum(inv_t)) / audio_s,
                         'real_time_factor_per_batch_median': statistics.median([(g_ + i_) / (a.batch * codec.seconds) for g_, i_ in zip(gen_t, inv_t)])}
        print(gs, {k: v for k, v in runs[str(gs)].items() if k != 'per_class_accuracy'}, flush=True)
    best = str(float(a.summary_guidance))
    if best not in runs: sys.exit(f"--summary-guidance {a.summary_guidance} is not one of --guidance-scales")
    judges = independent_judges(a, codec, tr, te, roundtrip_waves, sample_waves, labels, best)
    versions = ('torch', 'diffusers', 'torchaudio', 'librosa', 'sklearn')
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(versions),
           'checkpoint': a.checkpoint or 'multidiff/pretrained/audio_fsdd', 'parameters': sum(p.numel() for p in pipe.denoiser.parameters()),
           'codec': codec.config, 'samples': len(labels), 'steps': a.steps, 'sampler': a.sampler, 'seed': a.seed,
           'guidance_interval': interval, 'timestep_spacing': a.timestep_spacing,
           'targets': {'accuracy': 0.90, 'max_steps': 25, 'real_time_factor_max': 0.5},
           'classifier': {'train_clips': len(tr['mels']), 'test_clips': len(te['mels']), 'epochs': a.classifier_epochs, 'train_seconds': round(clf_s, 1)},
           'real': real, 'by_guidance_scale': runs, 'independent_judges': judges,
           'summary': {'samples': len(labels), 'steps': a.steps, 'sampler': a.sampler, 'guidance_scale': float(best),
                       'guidance_interval': interval, 'timestep_spacing': a.timestep_spacing,
                       'accuracy_generated': runs[best]['accuracy'], 'accuracy_real_test': real['test_accuracy'],
                       'accuracy_real_test_roundtrip': real['test_roundtrip_accuracy'],
                       'frechet_generated_vs_test': runs[best]['frechet_distance'], 'frechet_train_vs_test': real['frechet_train500_vs_test'],
                       'real_time_factor': runs[best]['real_time_factor'],
                       'independent_judges': judge_summary(judges)}}
    write_json_atomic(Path(a.out), res)
    print('wrote', a.out, res['summary'])


if __name__ == '__main__':
    main()
