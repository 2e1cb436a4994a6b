"""Which design choices pay off: short, equal-budget trainings of the molecule model with one choice changed at a time.

Run from the repository root (about 15 min on 2 CPU cores with the defaults; needs ../shared):
    .venv/bin/python benchmarks/molecules_ablation.py --out benchmarks/results/molecules_ablation.json
Smoke test (not a result): .venv/bin/python benchmarks/molecules_ablation.py --steps 5 --n 50 --out /tmp/ma.json

Every variant trains from the same seed, on the same 40,000 train-split molecules, for the same number of steps
(batch 128), then samples --n molecules at 50 steps. Validity is measured WITHOUT the valence mask (the network
alone; the marginal variant cannot use it), plus uniqueness, novelty and FCD by the shared protocol. Short runs rank
choices early in training; they do not predict the fully trained numbers.
"""
import argparse, sys, tempfile, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from multidiff.core.checkpoint import shared_dir
from multidiff.molecules.model import read_molecules, train_molecules
from multidiff.molecules.graphs import MolVocab
from multidiff.molecules.metrics import molecule_metrics, FCDReference, qm9_split

VARIANTS = {  # name: train_molecules options; the first is the shipped configuration
    'absorbing+cycles+spectral+positional': {},
    'absorbing, no structural features': {'features': ()},
    'absorbing, cycles only': {'features': ('cycles',)},
    'absorbing, no slot embedding': {'positional': False},
    'marginal (DiGress) transitions': {'transition': 'marginal'},
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--steps', type=int, default=800); p.add_argument('--n', type=int, default=1000)
    p.add_argument('--molecules', type=int, default=40000); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='benchmarks/results/molecules_ablation.json')
    a = p.parse_args()
    torch.set_num_threads(2)
    csv_path = shared_dir() / 'data/molecules/qm9_gdss_split.csv.gz'
    data = read_molecules(csv_path, split='train')
    data = data.subset(torch.randperm(len(data), generator=torch.Generator().manual_seed(a.seed))[:a.molecules].tolist())
    vocab = MolVocab(('C', 'C-', 'N', 'N+', 'N-', 'O', 'O-', 'F'), 9)
    split = qm9_split(); ref = FCDReference(split['test'])
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'rdkit', 'fcd')),
           'steps': a.steps, 'batch_size': 128, 'molecules': a.molecules, 'n': a.n, 'sampling_steps': 50, 'variants': {}}
    for name, kw in VARIANTS.items():
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            model, trainer, _ = train_molecules(data, Path(d) / 'run', steps=a.steps, batch_size=128, lr=1e-3, seed=a.seed, vocab=vocab,
                                                progress=False, num_layers=8, dx=128, de=32, **kw)
            train_s = time.perf_counter() - t0
        smi = model.to_pipeline()(a.n, num_inference_steps=50, seed=a.seed, valence_mask=False, progress=False).smiles
        m = molecule_metrics(smi, split['train'], ref)
        m.update(train_seconds=round(train_s, 1), final_loss=trainer.last_log['loss'], options={k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()})
        res['variants'][name] = m
        print(name, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()}, flush=True)
    write_json_atomic(Path(a.out), res)
    print(f"wrote {a.out}")


if __name__ == '__main__':
    main()
