"""Export the QM9 molecule run as the shipped checkpoint and write its model card.

    .venv/bin/python benchmarks/recipes/export_molecules_qm9.py --run runs/molecules_qm9 \
        --bench benchmarks/results/molecules_qm9.json --out multidiff/pretrained/molecules_qm9

With --card-only it rewrites only the card of the already exported checkpoint in --out (the weights stay untouched),
for a new benchmark of the same weights:

    .venv/bin/python benchmarks/recipes/export_molecules_qm9.py --card-only --steps 15000 --train-seconds 6156 \
        --hardware "AMD EPYC, 2 CPU threads, no GPU (Linux-...)" --bench benchmarks/results/molecules_qm9.json --note "..."

Copies the run's final/ folder (the trained pipeline in diffusers' layout, EMA weights; or, if the run stopped early,
the pipeline of its latest checkpoint, `MoleculePipeline.from_run`) to --out, and writes README.md (the model card)
from the run's log and the benchmark JSON.
"""
import argparse, csv, json, platform, shutil, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import cpu_model
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recipe import strip_local_paths
from multidiff.core.checkpoint import replace_dir
from multidiff.molecules.pipeline import MoleculePipeline

NAME = 'molecules_qm9'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--run', default='runs/molecules_qm9'); p.add_argument('--out', default='multidiff/pretrained/molecules_qm9')
    p.add_argument('--bench', default=None, help='benchmark JSON whose numbers go into the card')
    p.add_argument('--train-seconds', type=float, required=True, help='wall time of the training, all segments together')
    p.add_argument('--note', default='', help='anything else the card must say about how the run went')
    p.add_argument('--card-only', action='store_true', help='keep the weights in --out, rewrite only the card (needs --steps)')
    p.add_argument('--steps', type=int, default=None, help='optimizer steps of the run, for --card-only (otherwise read from the run log)')
    p.add_argument('--hardware', default=None, help='where the training ran, e.g. "AMD EPYC, 2 CPU threads, no GPU (Linux-...)" (default: this machine)')
    a = p.parse_args()
    out = Path(a.out)
    if a.card_only:
        if a.steps is None: p.error('--card-only needs --steps (the run log may be gone)')
        steps = a.steps
    else:
        run = Path(a.run)
        if (run / 'final' / 'model_index.json').exists():  # the trained pipeline: copied as it is (train_config.json beside it)
            replace_dir(out, lambda tmp: shutil.copytree(run / 'final', tmp, dirs_exist_ok=True))
        else: MoleculePipeline.from_run(run).save_pretrained(out)
        steps = int(list(csv.DictReader(open(run / 'log.csv')))[-1]['step'])
    strip_local_paths(out)
    pipe = MoleculePipeline.from_pretrained(out)
    nparams = sum(p.numel() for p in pipe.denoiser.parameters())
    arch = {k: v for k, v in pipe.denoiser.config.items() if not k.startswith('_')}
    vocab = pipe.mol_vocab
    b = json.loads(Path(a.bench).read_text()) if a.bench else None
    lines = [f"# multidiff molecules_qm9: masked graph diffusion on QM9 (heavy atoms)", "",
             f"- **Model:** `GraphTransformer`, {nparams / 1e6:.2f}M parameters ({json.dumps(arch)}), absorbing (masked) discrete diffusion, cosine schedule, T=1000; conditioned on the dipole moment mu (10% condition dropout, so it also samples unconditionally).",
             f"- **Data:** the train split (117,917 molecules) of `../shared/data/molecules/qm9_gdss_split.csv.gz` (QM9 with the GDSS/MoFlow split); the test split was not used in training. Vocabulary {list(vocab.atoms)}, up to {vocab.max_atoms} heavy atoms.",
             f"- **Load:** `from multidiff.molecules.pipeline import MoleculePipeline; pipe = MoleculePipeline.from_pretrained('{NAME}')`, then `pipe(100).smiles` (or `pipe(100, properties={{'mu': 3.0}}, guidance_scale=2.0)`).",
             f"- **Command:** `bash benchmarks/recipes/molecules_qm9.sh runs/molecules_qm9 15000` (calls `multidiff train molecules --data ../shared/data/molecules/qm9_gdss_split.csv.gz --split train --property mu --steps 15000 --batch-size 256 --lr 8e-4 --seed 0 --layers 8 --dx 128 --de 32`), then this export script.",
             f"- **Seed:** 0. **Steps:** {steps} optimizer steps of batch 256 (EMA 0.999 weights shipped).",
             f"- **Wall time:** {a.train_seconds / 3600:.2f} h of training on {a.hardware or f'{cpu_model()}, 2 CPU threads, no GPU ({platform.platform()})'}.",
             ]
    if a.note: lines.append(f"- **Note:** {a.note}")
    if b:
        v, nv, s, rs = b['valence_mask'], b['no_valence_mask'], b['speed'], b.get('restarts', {'rounds': 0})
        how = f": {rs['first_pass_steps']} steps, then {rs['rounds']} restarts of {rs['steps_each']} steps at {rs['fraction']}" if rs['rounds'] else ''
        lines += ["", f"## Measured (`benchmarks/molecules_qm9.py`, {b['n']} samples, {b['steps']} steps, protocol of `../shared/README.md`)", "",
                  "| sampler | validity | uniqueness | novelty | FCD | molecules/s |", "|---|---|---|---|---|---|",
                  f"| first-hitting + valence mask and guard (default{how}) | {v['validity']:.4f} | {v['uniqueness']:.4f} | {v['novelty']:.4f} | {v['fcd']:.3f} | {v['molecules_per_s']} |",
                  *([f"| first-hitting + valence mask, no restarts | {r['validity']:.4f} | {r['uniqueness']:.4f} | {r['novelty']:.4f} | {r['fcd']:.3f} | {r['molecules_per_s']} |"] if (r := b.get('no_restarts')) else []),
                  f"| first-hitting{' + restarts' if rs['rounds'] else ''}, no valence mask | {nv['validity']:.4f} | {nv['uniqueness']:.4f} | {nv['novelty']:.4f} | {nv['fcd']:.3f} | {nv['molecules_per_s']} |",
                  *([f"| grid sampler + valence mask | {g['validity']:.4f} | {g['uniqueness']:.4f} | {g['novelty']:.4f} | {g['fcd']:.3f} | {g['molecules_per_s']} |"] if (g := b.get('grid_sampler')) else []),
                  f"| DiGress released samples (500 steps) | 0.9921 | 0.9688 | 0.3345 | 0.260 | - |", "",
                  f"Speed: {s['ratio']:.1f}x the molecules/s of the same code at DiGress's size ({s['digress_sized']['parameters'] / 1e6:.1f}M parameters) and {s['digress_sized']['steps']} steps."]
        if 'property' in b:
            pr = b['property']; g = pr['guidance_2.0']; g1 = pr['guidance_1.0']
            lines += [f"Property conditioning (mu): MAE between requested and predicted mu {g1['mae']:.3f} D at guidance 1, {g['mae']:.3f} D at guidance 2, against {g['unconditional_mae']:.3f} D for unconditional samples; the predictor's own test MAE is {pr['predictor_test_mae']:.3f} D."]
    (out / 'README.md').write_text('\n'.join(lines) + '\n')
    print(f"wrote {out}")


if __name__ == '__main__':
    main()
