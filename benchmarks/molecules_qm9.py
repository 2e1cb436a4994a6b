"""QM9 molecule generation: quality at <= 50 steps, speed against the same code at DiGress's size and steps, property
guidance and scaffold completion. Writes a JSON of results.

Run from the repository root (about 30 min on 2 idle CPU cores with the defaults):
    .venv/bin/python benchmarks/molecules_qm9.py --out benchmarks/results/molecules_qm9.json
Quick smoke test (not a result):
    .venv/bin/python benchmarks/molecules_qm9.py --n 200 --speed-n 16 --digress-steps 20 --cond-n 20 --out /tmp/mq.json

Protocol (../shared/README.md): a line RDKit cannot parse and sanitize is invalid; valid ones are reduced to the canonical
SMILES of their largest fragment; uniqueness over valid; novelty against the GDSS train split; FCD (fcd 1.2.2) between
valid samples and the canonical test split. Needs the shared folder (MULTIDIFF_SHARED, default ../shared).
"""
import argparse, statistics, sys, time
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from multidiff.core.checkpoint import shared_dir
from multidiff.molecules.model import read_molecules, molecule_model
from multidiff.molecules.pipeline import MoleculePipeline, keeps_scaffold, default_restarts
from multidiff.molecules.metrics import molecule_metrics, FCDReference, qm9_split
from multidiff.molecules.properties import PropertyPredictor, conditional_error


def timed_sample(pipe, n, steps, seed, **kw):
    t0 = time.perf_counter(); smi = pipe(n, num_inference_steps=steps, seed=seed, progress=False, **kw).smiles
    return smi, time.perf_counter() - t0


def digress_sized(pipe: MoleculePipeline) -> MoleculePipeline:
    "The same code at DiGress's QM9 size (about 8M parameters; untrained: only its speed is measured)."
    cfg = {k: v for k, v in pipe.denoiser.config.items() if not k.startswith('_')}
    cfg.update(num_layers=9, dx=256, de=64, dy=128, heads=8)
    for k in ('num_atom_types', 'max_atoms', 'cond_dim', 'masked'): cfg.pop(k, None)
    c = pipe.config
    model = molecule_model(pipe.mol_vocab, torch.tensor(c.atom_counts), c.properties, c.prop_mean, c.prop_std, seed=0, **cfg)
    return model.eval().to_pipeline()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', default='molecules_qm9', help='pipeline folder or shipped name (default: molecules_qm9)')
    p.add_argument('--n', type=int, default=10000, help='samples for the quality metrics')
    p.add_argument('--steps', type=int, default=45, help='denoising steps, restarts included (target: <= 50; 45 = 25 + 4 restarts of 5)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--speed-n', type=int, default=64, help='molecules per timing run in the speed comparison')
    p.add_argument('--speed-runs', type=int, default=3, help='timing runs of our setting (the DiGress-sized one runs once: about 8 min)')
    p.add_argument('--digress-steps', type=int, default=500)
    p.add_argument('--cond-n', type=int, default=100, help='samples per requested property value')
    p.add_argument('--predictor-n', type=int, default=40000, help='train-split molecules the property predictor is fit on')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--no-grid', action='store_true', help="skip the grid-sampler comparison row")
    p.add_argument('--out', default='benchmarks/results/molecules_qm9.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    pipe = MoleculePipeline.from_pretrained(a.checkpoint)
    nparams = sum(p.numel() for p in pipe.denoiser.parameters())
    split = qm9_split(); ref = FCDReference(split['test'])
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'rdkit', 'fcd')),
           'checkpoint': str(a.checkpoint), 'parameters': nparams, 'steps': a.steps, 'n': a.n,
           'targets': {'validity': 0.99, 'uniqueness': 0.96, 'novelty': 0.30, 'fcd': 0.25, 'speed_ratio': 20.0},
           'references_same_protocol': {'digress_500_steps': {'validity': 0.9921, 'uniqueness': 0.96875, 'novelty': 0.3345, 'fcd': 0.2596},
                                        'grum_1000_steps_corrected': {'validity': 1.0, 'uniqueness': 0.9688, 'novelty': 0.2436, 'fcd': 0.1059}}}
    # 1. quality: the default (first-hitting sampler + restarts + valence mask), without restarts, without the mask, the core's grid sampler
    res['restarts'] = {'rounds': default_restarts(a.steps), 'fraction': 0.2, 'steps_each': 5, 'first_pass_steps': a.steps - 5 * default_restarts(a.steps)}
    for key, kw in (('valence_mask', {}), ('no_restarts', dict(restarts=0)), ('no_valence_mask', dict(valence_mask=False)), ('grid_sampler', dict(sampler='grid'))):
        if key == 'grid_sampler' and a.no_grid: continue
        smi, dt = timed_sample(pipe, a.n, a.steps, a.seed, **kw); vm = key == 'valence_mask'
        m = molecule_metrics(smi, split['train'], ref)
        m.update(sample_seconds=round(dt, 1), molecules_per_s=round(a.n / dt, 1))
        res[key] = m; print(key, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()}, flush=True)
        if vm: Path(a.out).with_suffix('.smi').write_text('\n'.join(smi) + '\n')  # the samples behind the headline numbers
    # 2. speed: molecules/s at our setting vs the same code at DiGress's size and steps, same batch, same process
    big = digress_sized(pipe)
    ours = [timed_sample(pipe, a.speed_n, a.steps, a.seed + r)[1] for r in range(a.speed_runs)]
    theirs = [timed_sample(big, a.speed_n, a.digress_steps, a.seed, sampler='grid')[1]]  # DiGress's sampler: every one of its 500 steps
    res['speed'] = {'n': a.speed_n, 'ours': {'steps': a.steps, 'parameters': nparams, 'seconds': ours, 'median_molecules_per_s': a.speed_n / statistics.median(ours)},
                    'digress_sized': {'steps': a.digress_steps, 'parameters': sum(p.numel() for p in big.denoiser.parameters()), 'seconds': theirs,
                                      'median_molecules_per_s': a.speed_n / statistics.median(theirs)},
                    'note': 'the DiGress-sized model is untrained: only its time is measured; its FCD is the released DiGress samples\' 0.2596'}
    res['speed']['ratio'] = statistics.median(theirs) / statistics.median(ours)
    print('speed', res['speed']['ratio'], flush=True)
    # 3. property guidance: a predictor trained on the train split scores the samples
    if pipe.config.properties:
        prop = pipe.config.properties[0]
        train = read_molecules(shared_dir() / 'data/molecules/qm9_gdss_split.csv.gz', split='train')
        test = read_molecules(shared_dir() / 'data/molecules/qm9_gdss_split.csv.gz', split='test')
        fit = train.subset(np.random.default_rng(a.seed).choice(len(train), min(a.predictor_n, len(train)), replace=False).tolist())
        t0 = time.perf_counter(); pred = PropertyPredictor().fit(fit.smiles, fit.properties[prop])
        targets = np.quantile(train.properties[prop], [0.1, 0.3, 0.5, 0.7, 0.9]).round(2).tolist()
        res['property'] = {'predictor': f'HistGradientBoosting on Morgan counts + 10 RDKit descriptors, fit on {len(fit)} random train-split molecules',
                           'predictor_test_mae': pred.mae(test.smiles, test.properties[prop]), 'predictor_fit_seconds': round(time.perf_counter() - t0, 1),
                           'property_std_train': float(np.std(train.properties[prop]))}
        for g in (1.0, 2.0):
            res['property'][f'guidance_{g}'] = conditional_error(pipe, pred, prop, targets, a.cond_n, guidance_scale=g, num_steps=a.steps, seed=a.seed)
        print('property', {k: v for k, v in res['property'].items() if not k.startswith('guidance')},
              {g: (res['property'][g]['mae'], res['property'][g]['unconditional_mae']) for g in ('guidance_1.0', 'guidance_2.0')}, flush=True)
    # 4. scaffold completion
    sc = {}
    for scaffold in ('C1=CC=CC=C1', 'C1CC1', 'O=CN'):
        smi = pipe(a.cond_n, num_inference_steps=a.steps, seed=a.seed, scaffold=scaffold, progress=False).smiles
        valid = [s for s in smi if s != 'INVALID']
        sc[scaffold] = {'validity': len(valid) / len(smi), 'keeps_scaffold': sum(keeps_scaffold(s, scaffold) for s in valid) / max(1, len(valid)),
                        'uniqueness': len(set(valid)) / max(1, len(valid))}
    res['scaffold'] = sc; print('scaffold', sc, flush=True)
    write_json_atomic(Path(a.out), res)
    print(f"wrote {a.out}")


if __name__ == '__main__':
    main()
