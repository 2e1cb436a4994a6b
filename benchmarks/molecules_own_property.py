"""Conditioning on a user's own property column (issue 22): a small molecule model trained through `train_molecules` on a
CSV whose property is NOT one of QM9's six (RDKit's TPSA by default), then sampled at a low and a high target and
unconditionally. Reports validity, connectivity (valid and one fragment), uniqueness, novelty against the training
molecules, and the RDKit-computed property of the samples: its mean, and the MAE to each target, conditional vs
unconditional. The property is computed exactly by RDKit for the samples too (no predictor error in the MAE).

Run from the repository root (about 2.5 min on 1 CPU thread with the defaults: 97 s of training); this is the exact
command behind results/molecules_own_property.json:
    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/molecules_own_property.py \
        --out benchmarks/results/molecules_own_property.json > /tmp/molecules_own_property.log 2>&1 &
Smoke test (not a result):
    .venv/bin/python benchmarks/molecules_own_property.py --steps 10 --n 10 --molecules 300 --out /tmp/mop.json

Data: --data auto takes 4,000 random molecules of the GDSS train split of QM9 in the shared folder (MULTIDIFF_SHARED,
default ../shared) when it is there, else the project's data/qm9_sample.csv; the property column is written by RDKit
into a CSV that `train_molecules` reads like any user file. Targets are the 10th and 90th percentiles of the training
molecules' property; the unconditional samples are scored against both.
"""
import argparse, csv, json, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from multidiff.core.checkpoint import shared_dir
from multidiff.molecules.model import read_molecules, sample_data_path, train_molecules
from multidiff.molecules.metrics import molecule_metrics, canonical_largest_fragment
from multidiff.molecules.properties import RDKitDescriptor


def source_molecules(which:str, n:int, seed:int) -> tuple:
    "(SMILES, description) of the training molecules."
    split = shared_dir() / 'data/molecules/qm9_gdss_split.csv.gz'
    if which == 'shared' or (which == 'auto' and split.exists()):
        data = read_molecules(split, split='train')
        idx = np.random.default_rng(seed).choice(len(data), min(n, len(data)), replace=False)
        return [data.smiles[i] for i in idx], f'{len(idx)} random molecules of the GDSS train split of QM9 ({split})'
    data = read_molecules(sample_data_path(), limit=n)
    return data.smiles, f'the first {len(data)} molecules of data/qm9_sample.csv (QM9, from qm9pack)'


def score(smiles:list, prop:RDKitDescriptor, targets:dict, train:set) -> dict:
    "Validity, connectivity, uniqueness, novelty; the property's mean over valid samples and MAE to each target."
    m = molecule_metrics(smiles, train=train)
    v = prop.predict(smiles); v = v[~np.isnan(v)]
    out = {k: m[k] for k in ('n', 'validity', 'connectivity', 'uniqueness', 'novelty')}
    out.update(property_mean=float(v.mean()), property_std=float(v.std()), valid_scored=int(len(v)),
               mae={name: float(np.abs(v - t).mean()) for name, t in targets.items()})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--property', default='tpsa', help='an RDKit descriptor name (tpsa, logp, MolWt, qed, ...)')
    p.add_argument('--data', default='auto', choices=('auto', 'shared', 'sample'))
    p.add_argument('--molecules', type=int, default=4000, help='training molecules')
    p.add_argument('--steps', type=int, default=1500); p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--layers', type=int, default=3); p.add_argument('--dx', type=int, default=64)
    p.add_argument('--de', type=int, default=16); p.add_argument('--dy', type=int, default=32)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--n', type=int, default=200, help='samples per target, and unconditional')
    p.add_argument('--sample-steps', type=int, default=45)
    p.add_argument('--guidance-scales', default='1.0,2.0', help='comma-separated; 1 = plain conditioning')
    p.add_argument('--seed', type=int, default=0); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default='benchmarks/results/molecules_own_property.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    prop = RDKitDescriptor(a.property)
    scales = [float(g) for g in a.guidance_scales.split(',')]
    smiles, source = source_molecules(a.data, a.molecules, a.seed)
    values = prop.predict(smiles)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / 'own.csv'  # a user file: SMILES and the property under its own (non-QM9) name
        with open(f, 'w', newline='') as h:
            w = csv.writer(h); w.writerow(['smiles', a.property])
            w.writerows([s, '' if np.isnan(v) else f'{v:.4f}'] for s, v in zip(smiles, values))
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            model, trainer, skipped = train_molecules(
                f, Path(d) / 'run', steps=a.steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed,
                properties=(a.property,), progress=False, num_layers=a.layers, dx=a.dx, de=a.de, dy=a.dy, heads=a.heads)
        train_s = time.perf_counter() - t0
        rep = json.loads((Path(d) / 'run' / 'data_report.json').read_text())  # what train_molecules printed
    pipe = model.to_pipeline(); pipe.set_progress_bar_config(disable=True)
    name = model.properties[0]
    kept = np.delete(values, [s[0] - 2 for s in skipped]) if skipped else values  # line 1 is the header
    targets = {'low': float(np.percentile(kept, 10).round(2)), 'high': float(np.percentile(kept, 90).round(2))}
    train_set = {c for c in map(canonical_largest_fragment, smiles) if c}
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'rdkit', 'numpy')),
           'data': source, 'property': {'asked': a.property, 'model_name': name, 'rdkit_descriptor': prop.name,
                                        'train_mean': float(kept.mean()), 'train_std': float(kept.std())},
           'data_report': {k: rep[k] for k in ('molecules', 'kept', 'heavy_atoms', 'atom_types', 'multi_fragment')},
           'skipped_lines': len(skipped), 'warnings': [str(w.message) for w in caught],
           'model': {'parameters': sum(q.numel() for q in model.parameters()), 'vocab': list(model.vocab.atoms),
                     'max_atoms': model.vocab.max_atoms, 'layers': a.layers, 'dx': a.dx, 'de': a.de, 'dy': a.dy,
                     'heads': a.heads},
           'training': {'steps': a.steps, 'batch_size': a.batch_size, 'lr': a.lr, 'seconds': round(train_s, 1),
                        'last_logged_loss': (getattr(trainer, 'last_log', None) or {}).get('loss')},
           'sampling': {'n': a.n, 'steps': a.sample_steps, 'guidance_scales': scales, 'seed': a.seed},
           'targets': targets}
    print('trained', res['training'], 'targets', targets, flush=True)
    run = lambda **kw: pipe(a.n, num_inference_steps=a.sample_steps, seed=a.seed, **kw).smiles
    t0 = time.perf_counter()
    res['unconditional'] = score(run(), prop, targets, train_set)
    print('unconditional', res['unconditional'], flush=True)
    res['conditional'] = {}
    for g in scales:
        for key, t in targets.items():
            r = score(run(properties={name: t}, guidance_scale=g), prop, targets, train_set)
            r = {**r, 'target': t, 'mae_to_target': r['mae'][key],
                 'unconditional_mae_to_target': res['unconditional']['mae'][key]}
            res['conditional'][f'guidance_{g}_{key}'] = r
            print(f'guidance {g}, {key} target', {q: (round(v, 3) if isinstance(v, float) else v)
                                                  for q, v in r.items()}, flush=True)
    res['sampling']['seconds'] = round(time.perf_counter() - t0, 1)
    write_json_atomic(Path(a.out), res)
    print(f"wrote {a.out}")


if __name__ == '__main__':
    main()
