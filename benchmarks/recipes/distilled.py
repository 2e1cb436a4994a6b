"""A few-step student of a shipped teacher, made by the project's own distillation (`multidiff distill`, i.e.
multidiff.core.distill) and exported as multidiff/pretrained/TEACHER-Kstep with a model card: the teacher, the method,
the exact commands, data, seed, wall time, its share of the teacher's training time, and the benchmark's numbers.

    .venv/bin/python benchmarks/recipes/distilled.py digits --train-teacher    # the digits example's teacher (shipped as `digits`)
    .venv/bin/python benchmarks/recipes/distilled.py digits --steps 2 --grid 10 --train-steps 600
    .venv/bin/python benchmarks/distillation.py --rows digits --out benchmarks/results/distillation.json
    .venv/bin/python benchmarks/recipes/distilled.py digits --steps 2 --export --bench benchmarks/results/distillation.json

The run folder (default runs/TEACHER-Kstep) resumes when it holds checkpoints; wall_time.txt adds up its segments.
Distillation options not given here take `multidiff distill`'s defaults for the modality."""
import argparse, json, platform, re, shutil, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recipe import ROOT, train_segment, strip_local_paths

TEACHERS = {'digits': 'digits', 'audio': 'audio_fsdd', 'video': 'video_mmnist', 'image': 'text_to_image_shapes'}
DIGITS_TEACHER_STEPS = 400  # the demo's


def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('modality', choices=sorted(TEACHERS))
    ap.add_argument('--teacher', default=None, help='shipped name or folder (default: the modality\'s shipped model)')
    ap.add_argument('--steps', type=int, default=4, help="the student's sampling steps")
    ap.add_argument('--method', default='consistency', choices=('consistency', 'progressive'))
    ap.add_argument('--grid', type=int, default=None); ap.add_argument('--teacher-steps', type=int, default=None)
    ap.add_argument('--train-steps', type=int, default=None); ap.add_argument('--batch-size', type=int, default=None)
    ap.add_argument('--lr', type=float, default=None); ap.add_argument('--guidance-scale', type=float, default=None)
    ap.add_argument('--data', default=None, help='training data (default: the one the teacher was trained on)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None, help='run folder (default runs/TEACHER-Kstep)')
    ap.add_argument('--train-teacher', action='store_true', help='digits: train and ship the teacher itself')
    ap.add_argument('--export', action='store_true', help='ship the student with its card')
    ap.add_argument('--bench', default=None, help="the benchmark's JSON, for the card's measured numbers")
    ap.add_argument('--note', default='', help='a line for the card (e.g. what shared the machine)')
    a = ap.parse_args()
    a.teacher = a.teacher or TEACHERS[a.modality]
    a.name = f"{Path(a.teacher).name}-{a.steps}step"
    a.out = Path(a.out or ROOT / 'runs' / a.name)
    return a


def distill_argv(a) -> list:
    "The `multidiff distill` command line this recipe runs."
    opts = {'--method': a.method, '--grid': a.grid, '--teacher-steps': a.teacher_steps, '--train-steps': a.train_steps,
            '--batch-size': a.batch_size, '--lr': a.lr, '--guidance-scale': a.guidance_scale, '--data': a.data,
            '--seed': a.seed}
    argv = ['distill', a.modality, '--teacher', a.teacher, '--steps', str(a.steps), '--out', str(a.out)]
    for k, v in opts.items():
        if v is not None: argv += [k, str(v)]
    return argv


def _write_idx(path: Path, array) -> None:
    "A uint8 array as an MNIST idx file (gzip): magic 0x08 (uint8) and its rank, big-endian sizes, the bytes."
    import gzip, numpy as np
    head = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, '>i4').tobytes()
    with gzip.open(path, 'wb') as f: f.write(head + np.ascontiguousarray(array, np.uint8).tobytes())


def video_teacher_data(a) -> str:
    "The video teacher's training digits (the first 9000 MNIST test images; the rest are the benchmark's) as idx files."
    from multidiff.core.checkpoint import shared_dir
    from multidiff.video.data import mnist_digits
    images, labels = mnist_digits(shared_dir() / 'data' / 'video' / 'mnist')
    n = 9000  # benchmarks/recipes/video_mmnist.py's DATA['train_digits']
    folder = a.out / 'teacher_digits'; folder.mkdir(parents=True, exist_ok=True)
    _write_idx(folder / 't10k-images-idx3-ubyte.gz', images[:n]); _write_idx(folder / 't10k-labels-idx1-ubyte.gz', labels[:n])
    return str(folder)


def train_digits_teacher():
    "The digits example's teacher, trained as `multidiff demo` trains it, shipped as multidiff/pretrained/digits."
    from multidiff.cli import main
    run = ROOT / 'runs' / 'digits_teacher'
    secs = train_segment(run, lambda resume: main(['train', 'digits', '--out', str(run), '--steps',
                                                    str(DIGITS_TEACHER_STEPS), '--no-progress']
                                                   + (['--resume'] if resume else [])))
    out = ROOT / 'multidiff' / 'pretrained' / 'digits'
    if out.exists(): shutil.rmtree(out)
    shutil.copytree(run / 'final', out); strip_local_paths(out)
    (out / 'train_config.json').unlink(missing_ok=True)
    (out / 'README.md').write_text('\n'.join([
        "# multidiff digits: the worked example's class-conditional 8x8 digits model", "",
        "- **Model:** a `UNet2DModel` (32, 64) with class embeddings (10 digits + a null class), ε-prediction, "
        "cosine DDPM schedule; `DigitsPipeline` samples it with DPM-Solver++ at 25 steps, guidance 2.",
        "- **Data:** scikit-learn's 8x8 digits, the train split (`multidiff.image.digits.load_digits`).",
        f"- **Seed:** 0. **Steps:** {DIGITS_TEACHER_STEPS} optimizer steps of 128 (EMA 0.995 weights shipped).",
        f"- **Command:** `.venv/bin/python benchmarks/recipes/distilled.py digits --train-teacher` "
        f"(= `multidiff train digits --out runs/digits_teacher --steps {DIGITS_TEACHER_STEPS}`).",
        f"- **Wall time:** {secs / 3600:.4f} h ({secs:.0f} s) of training on {_cpu()}, {torch.get_num_threads()} "
        f"CPU thread(s), no GPU ({platform.platform()}).",
        "- **Student:** `digits-2step` (see its card).", ""]))
    print(f"shipped {out} ({secs:.0f} s of training)")


def _cpu() -> str:
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    from _common import cpu_model
    return cpu_model()


def teacher_hours(teacher: str) -> float:
    "The teacher's training hours, as its model card states them."
    card = ROOT / 'multidiff' / 'pretrained' / teacher / 'README.md'
    m = re.search(r"\*\*Wall time:\*\* ([\d.]+) h", card.read_text()) if card.exists() else None
    if m is None: sys.exit(f"{card} states no wall time: the cost share needs the teacher's training time")
    return float(m.group(1))


def _without(argv: list, options: tuple) -> list:
    "argv less `options` and their values (--export takes none)."
    out, skip = [], False
    for x in argv:
        if skip: skip = False; continue
        if x in options: skip = x != '--export'; continue
        out.append(x)
    return out


def _data_line(a) -> str:
    if a.teacher_data:
        return ("- **Data:** the teacher's: Moving MNIST clips (2 digits of 14 px, 1.8 px per frame) made on the fly from the "
                "first 9,000 MNIST test images, which the recipe writes as idx files to RUN/teacher_digits; the last "
                "1,000 stay the benchmark's.")
    return ("- **Data:** the teacher's training data, as `multidiff distill` loads it by default." if not a.data
            else f"- **Data:** {a.data}.")


def export(a):
    "Copy the student to multidiff/pretrained/NAME and write its card."
    record = json.loads((a.out / 'student' / 'distillation.json').read_text())
    wall = sum(float(l.split('=')[1]) for l in (a.out / 'wall_time.txt').read_text().split())
    secs = record['seconds']  # the distillation itself; `wall` adds start-up, loading the teacher and the data
    out = ROOT / 'multidiff' / 'pretrained' / a.name
    if out.exists(): shutil.rmtree(out)
    shutil.copytree(a.out / 'student', out); strip_local_paths(out)
    (out / 'train_config.json').unlink(missing_ok=True)
    hours = teacher_hours(a.teacher)
    sched = json.loads((out / 'scheduler' / 'scheduler_config.json').read_text())
    inner = next(iter(sched['schedulers'].values()))
    bench = json.loads(Path(a.bench).read_text()) if a.bench else {}
    row = bench.get('rows', {}).get(a.modality, {})
    script = 'benchmarks/recipes/distilled.py'
    export_args = ' '.join(_without(sys.argv[1:], ('--note',)))
    train_args = ' '.join(_without(sys.argv[1:], ('--note', '--bench', '--export')))
    lines = [f"# multidiff {a.name}: a {a.steps}-step {record['method']} student of `{a.teacher}`", "",
             f"- **Teacher:** `{a.teacher}` (multidiff/pretrained/{a.teacher}, see its card), guided at scale "
             f"{record['guidance_scale']:g}{_interval(record)}; the guidance is folded into the student, which samples "
             "at scale 1.",
             f"- **Method:** {record['method']} distillation (`multidiff.core.distill`); settings "
             f"`{json.dumps({k: v for k, v in record.items() if k not in ('rounds', 'seconds')})}`.",
             f"- **Sampling:** `{inner['diffusers_class']}` at {a.steps} steps by default "
             f"(`scheduler/scheduler_config.json`'s `sampling_defaults`: {json.dumps(sched.get('sampling_defaults'))}).",
             _data_line(a),
             f"- **Command:** `.venv/bin/python {script} {train_args}` "
             f"(= `multidiff {' '.join(distill_argv(a))}`), then `.venv/bin/python {script} {export_args}`.",
             f"- **Wall time:** {secs / 3600:.4f} h ({secs:.0f} s) of distillation on {_cpu()}, {torch.get_num_threads()} CPU "
             f"thread(s), no GPU ({wall:.0f} s with start-up and loading): {100 * secs / 3600 / hours:.0f}% of the "
             f"teacher's {hours:.4f} h of training.", *([f"- **Note:** {a.note}"] if a.note else []), ""]
    if row: lines += ["## Measured (benchmarks/distillation.py)", "", "```json", json.dumps(row.get('summary', row), indent=2),
                      "```", ""]
    (out / 'README.md').write_text('\n'.join(lines).replace(f"{ROOT}/", ''))
    print(f"exported {out} ({sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.2f} MB)")


def _interval(record: dict) -> str:
    "' at t < 0.5 T' for a teacher guided only over part of the noise levels (`guidance_interval`), else ''."
    lo_hi = record.get('guidance_interval')
    if not lo_hi: return ''
    return f" at t < {lo_hi[1]:g} T" if lo_hi[0] == 0 else f" at {lo_hi[0]:g}-{lo_hi[1]:g} T"


def main():
    a = args()
    if a.train_teacher:
        if a.modality != 'digits': sys.exit('--train-teacher is for digits (the other teachers have their own recipes)')
        return train_digits_teacher()
    a.teacher_data = a.modality == 'video' and a.data is None  # written by the recipe, the held-out digits left out
    if a.teacher_data: a.data = str(a.out / 'teacher_digits') if a.export else video_teacher_data(a)
    if a.export: return export(a)
    from multidiff.cli import main as cli
    rc = []
    resume = a.out.is_dir() and any(a.out.rglob('checkpoints'))  # progressive keeps them per round
    def run(_):
        rc.append(cli(distill_argv(a) + ['--no-progress'] + (['--resume'] if resume else [])))
        if rc[-1]: sys.exit(rc[-1])  # the CLI said why in one line; no time to record
    train_segment(a.out, run)
    print(f"student in {a.out}/student; export with --export --bench BENCH.json")


if __name__ == '__main__':
    main()
