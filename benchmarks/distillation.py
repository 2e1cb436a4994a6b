"""Few-step students against their teachers, one row per modality, side by side in one run: the student at its K
calls; the teacher at its shipped default; the teacher with the best training-free few-step solver at the same K
(DPM-Solver++ and UniPC, each with its default and with 'trailing' timestep spacing: all four are scored and the best
is the baseline). Distillation cost is the student's distillation seconds over the teacher's training seconds (both
from the shipped cards and records). Writes a JSON of results.

Rows: digits (1,000 images, 100 per class, scored by two judges trained here on the train split that share nothing:
the project's logistic regression and an RBF support-vector machine; plus nearest-neighbour distance to the training
digits, lower is sharper); audio (500 FSDD clips, 50 per digit, as benchmarks/audio_fsdd.py scores them: its digit
classifier's accuracy and Fréchet distance, decoded and re-encoded through Griffin-Lim; real-time factor; and, from the
same waveforms, the two independent judges of benchmarks/audio_judges.py, trained here without augmentation, which the
comparison with the solvers also counts). Run from the
repository root (rows merge into an existing --out); image (text to image on captioned shapes, 200 prompts per group,
scored as benchmarks/text_to_image.py scores them: a CNN judge trained here and a training-free rule judge); video
(Moving MNIST prediction as benchmarks/video_mmnist.py scores it: 200 held-out sequences, 5 frames given, 10 predicted;
SSIM and PSNR, with sharpness (bright-pixel ratio) and motion against the truth's beside them, because blur raises SSIM);
molecules (QM9, 10,000 unconditional samples per setting, scored by the protocol of ../shared/README.md; masked diffusion
has no ODE solvers, so the training-free baselines at K calls are the first-hitting sampler's own options and the grid
sampler):
    .venv/bin/python benchmarks/distillation.py --rows digits,audio,image,video,molecules --out benchmarks/results/distillation.json
"""
import argparse, json, re, statistics, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
SOLVERS = {'dpm++': {}, 'dpm++ trailing': {'timestep_spacing': 'trailing'},
           'unipc': {}, 'unipc trailing': {'timestep_spacing': 'trailing'}}
TARGETS = {'digits': {'max_calls': 2, 'class_accuracy_min': 0.95},
           'audio': {'max_calls': 4, 'accuracy_within': 0.02, 'frechet_max_ratio': 1.25, 'real_time_factor_max': 0.1},
           'image': {'max_calls': 4, 'exact_match_within': 0.05},
           'molecules': {'max_calls': 12, 'fcd_max': 0.25, 'validity_min': 0.99},  # the stretch row
           'cost_share_max': 0.30, 'student_beats_training_free_solver_at_same_calls': True}


def card_hours(name: str) -> float:
    "Training hours a shipped model's card states."
    text = (ROOT / 'multidiff' / 'pretrained' / name / 'README.md').read_text()
    return float(re.search(r"\*\*Wall time:\*\* ([\d.]+) h", text).group(1))


def solver_runs(pipe, k: int, score) -> dict:
    "The teacher at k calls with each training-free solver of SOLVERS (its scheduler swapped, then restored)."
    saved, out, seen = pipe.scheduler, {}, []
    for name, kw in SOLVERS.items():
        sched = saved.with_sampler(name.split()[0], **kw)
        if sched.config in seen: continue  # e.g. 'trailing' on a teacher whose timesteps already trail
        seen.append(sched.config); pipe.scheduler = sched
        try: out[name] = score(pipe, num_inference_steps=k, sampler=None)
        finally: pipe.scheduler = saved
    return out


def compare(student: dict, solvers: dict, higher: tuple, lower: tuple) -> dict:
    "The best solver on each metric (each metric's own best), and whether the student beats that."
    best = {m: max(s[m] for s in solvers.values()) for m in higher}
    best.update({m: min(s[m] for s in solvers.values()) for m in lower})
    # at a saturated accuracy (1.0 for both) nobody can be higher: 'beats' is no worse on every metric, better on one
    no_worse = {m: student[m] >= best[m] if m in higher else student[m] <= best[m] for m in best}
    better = {m: student[m] > best[m] if m in higher else student[m] < best[m] for m in best}
    return {'best_training_free': best, 'student_no_worse': no_worse, 'student_better': better,
            'student_beats_all': all(no_worse.values()) and any(better.values())}


def digits_row(a) -> dict:
    from sklearn.svm import SVC
    from multidiff.image.digits import DigitsPipeline, digit_classifier, load_digits
    teacher = DigitsPipeline.from_pretrained(a.digits_teacher); student = DigitsPipeline.from_pretrained(a.digits_student)
    for p in (teacher, student): p.set_progress_bar_config(disable=True)
    k = student.scheduler.sampling_defaults['num_inference_steps']
    x, y = load_digits('train', 0); xt, yt = load_digits('test', 0)
    flat = lambda im: im.reshape(len(im), -1).double().numpy()
    judges = {'logistic': digit_classifier(0), 'svc': SVC(gamma='scale').fit(flat(x), y.numpy())}
    train = x.reshape(len(x), -1).double()
    labels = torch.arange(10).repeat_interleave(a.per_class)

    def metrics(images) -> dict:
        out = {f'accuracy_{n}': float((torch.as_tensor(j.predict(flat(images))) == labels[:len(images)]).double().mean())
               for n, j in judges.items()}
        out['nn_distance'] = float(torch.cdist(images.reshape(len(images), -1).double(), train).min(1).values.mean())
        return out

    def score(pipe, **kw) -> dict:
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter(); images = pipe(labels, seed=0, **kw).images; times.append(time.perf_counter() - t0)
        return {**metrics(images), 'seconds_per_image': statistics.median(times) / len(labels)}

    real = {f'accuracy_{n}': float((torch.as_tensor(j.predict(flat(xt))) == yt).double().mean()) for n, j in judges.items()}
    row = {'teacher': a.digits_teacher, 'student': a.digits_student, 'calls': k, 'images': len(labels),
           'real_test_digits': real,
           'teacher_default': {'num_inference_steps': 25, 'sampler': 'dpm++', 'guidance_scale': 2.0, **score(teacher)},
           'teacher_training_free_at_k': solver_runs(teacher, k, score),
           'student': score(student)}
    row['comparison'] = compare(row['student'], row['teacher_training_free_at_k'],
                                ('accuracy_logistic', 'accuracy_svc'), ('nn_distance',))
    row['cost'] = cost(_record(a.digits_student), a.digits_teacher)
    s = row['student']
    row['summary'] = {**summary(row, k, 2, {'class_accuracy': min(s['accuracy_logistic'], s['accuracy_svc']) >= 0.95}),
                      'speedup_vs_teacher_default': round(row['teacher_default']['seconds_per_image'] / s['seconds_per_image'], 1)}
    return row


def cost(record: dict, teacher: str) -> dict:
    "The student's distillation seconds against the teacher's training seconds."
    try: hours = card_hours(teacher)
    except (FileNotFoundError, AttributeError): return {'distill_seconds': record.get('seconds')}
    return {'distill_seconds': record['seconds'], 'teacher_training_seconds': round(hours * 3600),
            'share': round(record['seconds'] / (hours * 3600), 3)}


def audio_row(a) -> dict:
    "FSDD: the project's digit classifier (accuracy, Fréchet distance in its embedding) and the real-time factor."
    import warnings
    from multidiff.audio.model import load_clips
    from multidiff.audio.pipeline import AudioPipeline
    from multidiff.audio.metrics import train_classifier, predict, frechet_distance, audio_scores
    from multidiff.core.checkpoint import shared_dir
    warnings.filterwarnings('ignore', message='Cropped')
    root = shared_dir() / 'data' / 'audio' / 'fsdd'
    if not (root / 'manifest.csv').exists(): sys.exit(f"FSDD not found at {root}: set MULTIDIFF_SHARED")
    teacher, student = AudioPipeline.from_pretrained(a.audio_teacher), AudioPipeline.from_pretrained(a.audio_student)
    for p in (teacher, student): p.set_progress_bar_config(disable=True)
    k, codec = student.scheduler.sampling_defaults['num_inference_steps'], teacher.codec
    tr, te = load_clips(root, codec, 'train'), load_clips(root, codec, 'test')
    clf = train_classifier(tr['mels'], tr['labels'], epochs=30, seed=0)
    labels = torch.arange(teacher.config.num_classes).repeat_interleave(a.audio_per_class)

    judges = fitted_judges(codec, tr, te)

    def score(pipe, **kw) -> dict:
        gen_t, inv_t, mels, waves = [], [], [], []
        for i in range(0, len(labels), 50):  # the audio benchmark's batches and seeds
            t0 = time.perf_counter()
            m = pipe(labels[i:i + 50].tolist(), seed=i, output_type='mel', **kw).mels
            t1 = time.perf_counter(); w = codec.decode(m); t2 = time.perf_counter()
            gen_t.append(t1 - t0); inv_t.append(t2 - t1); mels.append(codec.encode(w)); waves.append(w)
        sc = audio_scores(clf, torch.cat(mels), labels, te['mels'])
        return {'accuracy': sc['accuracy'], 'frechet_distance': sc['frechet_distance'],
                **judge_scores(judges, torch.cat(waves), labels),
                'real_time_factor': (sum(gen_t) + sum(inv_t)) / (len(labels) * codec.seconds)}

    from multidiff.audio.pipeline import GUIDANCE_SCALE, GUIDANCE_INTERVAL
    default = {'num_inference_steps': 25, 'sampler': 'dpm++', 'guidance_scale': GUIDANCE_SCALE,
               'guidance_interval': list(GUIDANCE_INTERVAL)}
    row = {'teacher': a.audio_teacher, 'student': a.audio_student, 'calls': k, 'clips': len(labels),
           'real_test_accuracy': audio_scores(clf, te['mels'], te['labels'], te['mels'])['accuracy'],
           'judges_real_test': {n: j['real'] for n, j in judges.items()},
           'teacher_default': {**default, **score(teacher)},
           'teacher_training_free_at_k': solver_runs(teacher, k, score), 'student': score(student)}
    names = [n for n in judges]
    row['comparison'] = compare(row['student'], row['teacher_training_free_at_k'],
                                ('accuracy', *(f'accuracy_{n}' for n in names)),
                                ('frechet_distance', *(f'frechet_{n}' for n in names)))
    row['cost'] = cost(_record(a.audio_student), a.audio_teacher)
    s, t = row['student'], row['teacher_default']
    row['summary'] = summary(row, k, 4, {'accuracy_within_0.02': s['accuracy'] >= t['accuracy'] - 0.02,
                                         'frechet_within_1.25x': s['frechet_distance'] <= 1.25 * t['frechet_distance'],
                                         'real_time_factor': s['real_time_factor'] <= 0.1})
    return row


def fitted_judges(codec, tr, te) -> dict:
    "audio_judges' two independent judges, fitted on the train clips' waveforms: {name: {judge, test embedding, real}}."
    from audio_judges import default_judges, load_waves
    tr_w, te_w = (load_waves(d['paths'], codec.sample_rate, codec.length) for d in (tr, te))
    out = {}
    for j in default_judges(codec.sample_rate):
        j.fit(tr_w, tr['labels'])
        real = float((j.predict(te_w) == te['labels'].numpy()).mean())
        out[j.name] = {'judge': j, 'test_embedding': j.embed(te_w), 'real': real}
    return out


def judge_scores(judges: dict, waves, labels) -> dict:
    "Each judge's accuracy on generated waveforms and Fréchet distance to the real test clips in its embedding."
    from audio_judges import frechet
    out = {}
    for n, d in judges.items():
        out[f'accuracy_{n}'] = float((d['judge'].predict(waves) == labels.numpy()).mean())
        out[f'frechet_{n}'] = frechet(d['judge'].embed(waves), d['test_embedding'])
    return out


def summary(row: dict, k: int, max_calls: int, targets: dict) -> dict:
    "A row's summary: student vs teacher default and the best training-free solver, cost, targets met."
    s, t, c = row['student'], row['teacher_default'], row['comparison']
    return {'calls': k, 'student': s, 'teacher_default': {m: t[m] for m in s},
            'best_training_free_at_k': c['best_training_free'],
            'student_beats_training_free_at_k': c['student_beats_all'], 'cost_share': row['cost'].get('share'),
            'targets_met': {**targets, 'calls': k <= max_calls, 'beats_training_free': c['student_beats_all'],
                            'cost_share': (row['cost'].get('share') or 1) <= TARGETS['cost_share_max']}}


def image_row(a) -> dict:
    "Captioned shapes: exact-match prompt accuracy by benchmarks/text_to_image.py's two judges, 200 prompts per group."
    import argparse as ap
    import text_to_image as t2i
    from multidiff.image.text_to_image import TextToImagePipeline, GUIDANCE_SCALE
    teacher, student = (TextToImagePipeline.from_pretrained(a.image_teacher),
                        TextToImagePipeline.from_pretrained(a.image_student))
    for p in (teacher, student): p.set_progress_bar_config(disable=True)
    k, clf = student.scheduler.sampling_defaults['num_inference_steps'], t2i.judges(False)['classifier']

    def score(pipe, num_inference_steps=None, guidance_scale=None, sampler='auto') -> dict:
        opts = ap.Namespace(per_group=a.image_per_group, steps=num_inference_steps, guidance=guidance_scale,
                            sampler=sampler, seed=10 ** 6, batch=100)
        res, _ = t2i.evaluate_prompts(pipe, clf, opts)
        return {**{f'{j}_{g}': v for j, e in res['exact'].items() for g, v in e.items()},
                'frechet_all': res['frechet']['all']['generated_vs_real'], 'seconds_per_image': res['seconds_per_image']}

    row = {'teacher': a.image_teacher, 'student': a.image_student, 'calls': k, 'per_group': a.image_per_group,
           'teacher_default': {'num_inference_steps': 25, 'sampler': 'dpm++', 'guidance_scale': GUIDANCE_SCALE,
                               **score(teacher, 25, GUIDANCE_SCALE, 'dpm++')},
           'teacher_training_free_at_k': solver_runs(
               teacher, k, lambda p, **kw: score(p, kw['num_inference_steps'], GUIDANCE_SCALE, None)),
           'student': score(student)}
    acc = [m for m in row['student'] if m.startswith(('cnn_', 'rule_'))]
    row['comparison'] = compare(row['student'], row['teacher_training_free_at_k'], tuple(acc), ('frechet_all',))
    row['cost'] = cost(_record(a.image_student), a.image_teacher)
    s, t = row['student'], row['teacher_default']
    row['summary'] = {**summary(row, k, 4, {'exact_within_0.05': all(s[m] >= t[m] - 0.05 for m in acc)}),
                      'speedup_vs_teacher_default': round(t['seconds_per_image'] / s['seconds_per_image'], 1)}
    return row


def video_row(a) -> dict:
    "Moving MNIST prediction as benchmarks/video_mmnist.py scores it: 200 held-out sequences, 5 frames given, 10 predicted."
    import video_mmnist as vm
    from multidiff.core.checkpoint import shared_dir
    from multidiff.video.data import MovingDigits
    from multidiff.video.pipeline import VideoPipeline
    from multidiff.video.metrics import prediction_scores
    teacher, student = VideoPipeline.from_pretrained(a.video_teacher), VideoPipeline.from_pretrained(a.video_student)
    for p in (teacher, student): p.set_progress_bar_config(disable=True)
    k, d = student.scheduler.sampling_defaults['num_inference_steps'], vm.DATA
    test = MovingDigits(vm.digits(shared_dir(), 'test'), canvas=d['canvas'], num_digits=d['num_digits'], frames=15,
                        step=d['step'], length=a.video_sequences, seed=10 ** 6)  # the video benchmark's sequences
    truth = torch.stack([test[i] for i in range(a.video_sequences)])

    def score(pipe, **kw) -> dict:
        t0 = time.perf_counter()
        pred = torch.cat([pipe(context=truth[i:i + 50, :5], seed=i, num_frames=15, output_type='pt', **kw).frames
                          for i in range(0, len(truth), 50)])
        secs = (time.perf_counter() - t0) / len(truth)
        m = prediction_scores(pred[:, 5:], truth[:, 5:], truth[:, :5])['model']
        # sharpness and motion against the truth's (1 is right): blur raises SSIM, so these sit beside it
        return {'ssim': m['ssim'], 'psnr': m['psnr'], 'bright_ratio': m['bright_ratio'],
                'bright_error': abs(m['bright_ratio'] - 1), 'motion_ratio': m['motion_ratio'],
                'motion_error': abs(m['motion_ratio'] - 1), 'seconds_per_prediction': secs}

    row = {'teacher': a.video_teacher, 'student': a.video_student, 'calls': k, 'sequences': len(truth),
           'teacher_default': {'num_inference_steps': 10, 'sampler': 'ddpm', 'guidance_scale': 2.0, **score(teacher)},
           'teacher_training_free_at_k': solver_runs(teacher, k, score), 'student': score(student)}
    row['comparison'] = compare(row['student'], row['teacher_training_free_at_k'], ('ssim', 'psnr'),
                                ('bright_error', 'motion_error'))
    row['cost'] = cost(_record(a.video_student), a.video_teacher)
    s, t = row['student'], row['teacher_default']
    row['summary'] = {**summary(row, k, 2, {'ssim_within_0.01': s['ssim'] >= t['ssim'] - 0.01}),
                      'speedup_vs_teacher_default': round(t['seconds_per_prediction'] / s['seconds_per_prediction'], 1)}
    return row


def molecules_row(a) -> dict:
    "QM9 by the shared protocol (validity, uniqueness, novelty, FCD against the test split), unconditional samples."
    from multidiff.molecules.pipeline import MoleculePipeline
    from multidiff.molecules.metrics import molecule_metrics, FCDReference, qm9_split
    teacher, student = (MoleculePipeline.from_pretrained(n) for n in (a.molecules_teacher, a.molecules_student))
    k = student.scheduler.sampling_defaults['num_inference_steps']
    split = qm9_split(); ref = FCDReference(split['test'])

    def score(pipe, **kw) -> dict:
        t0 = time.perf_counter()
        smiles = pipe(a.molecules_n, seed=0, progress=False, **kw).smiles
        secs = time.perf_counter() - t0
        m = molecule_metrics(smiles, train=split['train'], fcd_reference=ref)
        return {**{x: m[x] for x in ('validity', 'uniqueness', 'novelty', 'fcd')}, 'molecules_per_s': len(smiles) / secs}

    # masked diffusion has no ODE solvers: the training-free baselines at k calls are the first-hitting sampler's
    # own options (one pass of k calls; a shorter pass plus a restart round) and the core's grid sampler
    free = {'first-hitting': dict(num_inference_steps=k, restarts=0), 'grid': dict(num_inference_steps=k, sampler='grid')}
    if k > 4: free[f'first-hitting {k - 4} + 1 restart of 4'] = dict(num_inference_steps=k, restarts=1, restart_steps=4)
    row = {'teacher': a.molecules_teacher, 'student': a.molecules_student, 'calls': k, 'molecules': a.molecules_n,
           'teacher_default': {'num_inference_steps': 45, 'sampler': 'first-hitting + 4 restarts of 5',
                               **score(teacher, num_inference_steps=45)},
           'teacher_training_free_at_k': {n: score(teacher, **kw) for n, kw in free.items()},
           'student': score(student, num_inference_steps=k, restarts=0)}
    row['comparison'] = compare(row['student'], row['teacher_training_free_at_k'], ('validity', 'uniqueness'), ('fcd',))
    row['cost'] = cost(_record(a.molecules_student), a.molecules_teacher)
    s = row['student']
    row['summary'] = summary(row, k, 12, {'fcd_at_most_0.25': s['fcd'] <= 0.25, 'validity_at_least_0.99': s['validity'] >= 0.99})
    return row


def _record(student: str) -> dict:
    "A student's distillation record: a shipped name or a folder."
    shipped = ROOT / 'multidiff' / 'pretrained' / student
    return json.loads(((shipped if shipped.exists() else Path(student)) / 'distillation.json').read_text())


ROWS = {'digits': digits_row, 'audio': audio_row, 'image': image_row, 'video': video_row, 'molecules': molecules_row}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--rows', default='digits', help=f"comma-separated, of {', '.join(ROWS)}")
    ap.add_argument('--out', required=True)
    ap.add_argument('--digits-teacher', default='digits'); ap.add_argument('--digits-student', default='digits-2step')
    ap.add_argument('--per-class', type=int, default=100, help='digits per class')
    ap.add_argument('--audio-teacher', default='audio_fsdd'); ap.add_argument('--audio-student', default='audio_fsdd-4step')
    ap.add_argument('--audio-per-class', type=int, default=50, help='clips per digit (the audio benchmark\'s)')
    ap.add_argument('--image-teacher', default='text_to_image_shapes')
    ap.add_argument('--image-student', default='text_to_image_shapes-4step')
    ap.add_argument('--image-per-group', type=int, default=200, help='prompts per group (the t2i benchmark\'s)')
    ap.add_argument('--video-teacher', default='video_mmnist'); ap.add_argument('--video-student', default='video_mmnist-2step')
    ap.add_argument('--video-sequences', type=int, default=200, help='held-out sequences (the video benchmark\'s)')
    ap.add_argument('--molecules-teacher', default='molecules_qm9')
    ap.add_argument('--molecules-student', default='molecules_qm9-12step')
    ap.add_argument('--molecules-n', type=int, default=10000, help='samples per setting (the QM9 benchmark\'s)')
    ap.add_argument('--repeats', type=int, default=3, help='timed repeats per setting (the median is reported)')
    a = ap.parse_args()
    rows = [r.strip() for r in a.rows.split(',')]
    bad = [r for r in rows if r not in ROWS]
    if bad: ap.error(f"unknown rows {bad}; valid: {', '.join(ROWS)}")
    t0, old = time.perf_counter(), Path(a.out)
    # rows run at different times keep their own date and command (a row is rerun when its student changes)
    res = {'targets': TARGETS, 'rows': json.loads(old.read_text())['rows'] if old.exists() else {}}
    for r in rows:
        t_row = time.perf_counter()
        res['rows'][r] = {'date': utc_now(), 'command': command_line(),
                          'environment': environment(('torch', 'diffusers', 'sklearn')), **ROWS[r](a)}
        res['rows'][r]['wall_seconds'] = round(time.perf_counter() - t_row, 1)
        print(r, json.dumps(res['rows'][r]['summary']), flush=True)
    write_json_atomic(Path(a.out), res)


if __name__ == '__main__':
    main()
