"""Re-export the shipped QM9 molecule checkpoint (multidiff/pretrained/molecules_qm9) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, molecules_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.

The old files are read from git history (commit 7aab36a, the last before issue 21), so this is reproducible after
they are gone. Run once from the repository root:
    .venv/bin/python tools/reexport/molecules.py [--commit 7aab36a]
"""
import argparse, json, subprocess
from pathlib import Path
import torch
from safetensors.torch import load, load_file

ROOT = Path(__file__).resolve().parents[2]
NAME = 'molecules_qm9'
LOAD_LINE = ("- **Load:** `from multidiff.molecules.pipeline import MoleculePipeline; "
             f"pipe = MoleculePipeline.from_pretrained('{NAME}')`, then `pipe(100).smiles` (or `pipe(100, properties={{'mu': 3.0}}, guidance_scale=2.0)`).")


def old_file(commit: str, name: str) -> bytes:
    "A file of the old checkpoint folder at `commit`."
    return subprocess.run(['git', 'show', f'{commit}:multidiff/pretrained/{NAME}/{name}'], cwd=ROOT, check=True,
                          capture_output=True).stdout


def card(old: str) -> str:
    "The old model card with the how-to-load line (after the Data line; replaced if present)."
    lines = [l for l in old.splitlines() if not l.startswith('- **Load:**')]
    at = next(i for i, l in enumerate(lines) if l.startswith('- **Data:**')) + 1
    return '\n'.join(lines[:at] + [LOAD_LINE] + lines[at:]) + '\n'


def denoiser_config(old: dict) -> dict:
    "The old GraphTransformer arguments under today's names (`layers` is `num_layers` now)."
    return {('num_layers' if k == 'layers' else k): v for k, v in old.items()}


def main(commit: str):
    from multidiff.core.scheduler import StateScheduler
    from multidiff.molecules.denoiser import GraphTransformer
    from multidiff.molecules.pipeline import MoleculePipeline
    model_cfg, mc = json.loads(old_file(commit, 'model_config.json')), json.loads(old_file(commit, 'molecules_config.json'))
    weights = load(old_file(commit, 'denoiser.safetensors'))
    den = GraphTransformer(**denoiser_config(mc['denoiser']))
    den.load_state_dict(weights, strict=True)
    assert model_cfg['scheduler'] == mc['scheduler'], 'the two old configs disagree on the scheduler'
    sched = StateScheduler.from_config({k: v for k, v in mc['scheduler'].items() if k != '_class_name'})
    P = len(mc['properties'])
    assert model_cfg['null_cond'] == [[0.0] * (P + 1)] and model_cfg['cond_dropout'] == mc['cond_dropout'], model_cfg
    pipe = MoleculePipeline(den.eval(), sched, mc['vocab'], mc['atom_counts'], mc['properties'], mc['prop_mean'], mc['prop_std'],
                            mc['cond_dropout'])
    out = ROOT / 'multidiff' / 'pretrained' / NAME
    pipe.save_pretrained(out)  # replaces the folder atomically: the old files go
    (out / 'README.md').write_text(card(old_file(commit, 'README.md').decode()))
    new = load_file(out / 'denoiser' / 'diffusion_pytorch_model.safetensors')
    assert new.keys() == weights.keys() and all(torch.equal(new[k], weights[k]) for k in weights), 'weights changed'
    back = MoleculePipeline.from_pretrained(NAME)
    assert back.scheduler.to_config() == sched.to_config()
    assert all(torch.equal(v, weights[k]) for k, v in back.denoiser.state_dict().items())
    assert torch.equal(torch.tensor(back.config.atom_counts, dtype=torch.float32), torch.tensor(mc['atom_counts'], dtype=torch.float32))
    assert (back.config.vocab, back.config.properties, back.config.prop_mean, back.config.prop_std) == \
        (mc['vocab'], mc['properties'], mc['prop_mean'], mc['prop_std'])
    print(f"re-exported {out}: {sorted(p.name for p in out.iterdir())}, {len(new)} tensors unchanged")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--commit', default='7aab36a', help='the commit that holds the old folder')
    main(ap.parse_args().commit)
