"""Re-export the shipped QM9 molecule checkpoint (multidiff/pretrained/molecules_qm9) from the pre-pipeline layout
(denoiser.safetensors, model_config.json, molecules_config.json, README.md) into diffusers' pipeline layout
(model_index.json, denoiser/, scheduler/), in place, with the weights unchanged and the model card kept.
"""
import sys
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OldCheckpoint, cli, export, loaded, old_scheduler, same_config

NAME = 'molecules_qm9'
LOAD_LINE = ("- **Load:** `from multidiff.molecules.pipeline import MoleculePipeline; "
             f"pipe = MoleculePipeline.from_pretrained('{NAME}')`, then `pipe(100).smiles` (or `pipe(100, properties={{'mu': 3.0}}, guidance_scale=2.0)`).")


def denoiser_config(old: dict) -> dict:
    "The old GraphTransformer arguments under today's names (`layers` is `num_layers` now)."
    return {('num_layers' if k == 'layers' else k): v for k, v in old.items()}


def main(commit: str):
    from multidiff.molecules.denoiser import GraphTransformer
    from multidiff.molecules.pipeline import MoleculePipeline
    old = OldCheckpoint(NAME, commit)
    model_cfg, mc = old.json('model_config.json'), old.json('molecules_config.json')
    den = loaded(GraphTransformer(**denoiser_config(mc['denoiser'])), old.weights)
    assert model_cfg['scheduler'] == mc['scheduler'], 'the two old configs disagree on the scheduler'
    P = len(mc['properties'])
    assert model_cfg['null_cond'] == [[0.0] * (P + 1)] and model_cfg['cond_dropout'] == mc['cond_dropout'], model_cfg
    pipe = MoleculePipeline(den, old_scheduler(mc['scheduler']), mc['vocab'], mc['atom_counts'], mc['properties'],
                            mc['prop_mean'], mc['prop_std'], mc['cond_dropout'])

    def check(back):
        as_tensor = lambda counts: torch.tensor(counts, dtype=torch.float32)
        assert torch.equal(as_tensor(back.config.atom_counts), as_tensor(mc['atom_counts']))
        same_config(back.config, mc, ('vocab', 'properties', 'prop_mean', 'prop_std'))
    export(pipe, old, LOAD_LINE, check=check)


if __name__ == '__main__':
    main(cli(__doc__, __file__))
