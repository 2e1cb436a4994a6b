"""A fewer-call student of the shipped QM9 molecule model by self-distillation through time (SDTT,
multidiff.core.masked_distill): one first-hitting call of the student learns what `--teacher-calls` calls of the
teacher reveal. Trains on the teacher's own data (the train split of the shared GDSS-split QM9 file), through the core
`distill` (checkpoints, exact resume, EMA), with the valence mask applied to both networks as the pipeline samples.

    .venv/bin/python benchmarks/recipes/molecules_sdtt.py --steps 12 --teacher-calls 4 --train-steps 1500
    .venv/bin/python benchmarks/distillation.py --rows molecules --molecules-student runs/molecules_qm9-12step/student

The run folder (default runs/molecules_qm9-Kstep) resumes when it holds checkpoints; wall_time.txt adds up its
segments. Issue 24 ships the student only if it beats the teacher at the same calls."""
import argparse, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recipe import ROOT, train_segment


def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--teacher', default='molecules_qm9', help='shipped name or pipeline folder')
    ap.add_argument('--steps', type=int, default=12, help="the student's first-hitting calls")
    ap.add_argument('--teacher-calls', type=int, default=4, help='teacher calls per student call')
    ap.add_argument('--train-steps', type=int, default=1500)
    ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--lr', type=float, default=1e-4)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--data', default=None, help='default: ../shared/data/molecules/qm9_gdss_split.csv.gz, train split')
    ap.add_argument('--out', default=None, help='run folder (default runs/TEACHER-Kstep)')
    a = ap.parse_args()
    a.out = Path(a.out or ROOT / 'runs' / f"{Path(a.teacher).name}-{a.steps}step")
    return a


def main():
    a = args()
    from multidiff.core.checkpoint import shared_dir
    from multidiff.core.distill import distill
    from multidiff.molecules.pipeline import MoleculePipeline
    from multidiff.molecules.model import read_molecules, model_batches
    from multidiff.molecules.denoiser import ValenceMask
    pipe = MoleculePipeline.from_pretrained(a.teacher)
    path = a.data or shared_dir() / 'data' / 'molecules' / 'qm9_gdss_split.csv.gz'
    batches = model_batches(pipe.to_model(), read_molecules(path, split='train'))
    atoms = pipe.mol_vocab.atoms
    print(f"{len(next(iter(batches.values())))} training graphs; teacher {a.teacher}", flush=True)
    resume = (a.out / 'checkpoints').is_dir()
    rc = []
    def run(_):
        rc.append(distill(pipe.to_model(), batches, 'sdtt', a.steps, a.out, steps=a.train_steps,
                          batch_size=a.batch_size, lr=a.lr, seed=a.seed, resume=resume, progress=False,
                          teacher_calls=a.teacher_calls, wrap=lambda d: ValenceMask(d, atoms)))
    a.out.mkdir(parents=True, exist_ok=True)
    train_segment(a.out, run)
    if rc[-1] is None: sys.exit(f"interrupted: checkpoint under {a.out}; run the same command to resume")
    print(f"student in {a.out}/student")


if __name__ == '__main__':
    main()
