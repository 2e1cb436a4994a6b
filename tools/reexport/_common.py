"""What the re-export scripts (audio.py, molecules.py, sr.py, video.py) share.

Each script rebuilds one shipped checkpoint, multidiff/pretrained/<name>, from its pre-pipeline layout (denoiser.safetensors,
model_config.json, <modality>_config.json, README.md) in diffusers' pipeline layout (model_index.json, denoiser/,
scheduler/), in place, with the weights unchanged and the model card kept. The old files are read from git history
(`git show <commit>:...`), so this is reproducible after they are gone. A script builds its modality's denoiser and
pipeline from the old files (`OldCheckpoint`, `loaded`, `old_scheduler`); the rest is here: saving, the model card's
"Load:" line (`card`), the checks that the weights and the scheduler survived the round trip (`export`), and the command
line (`cli`). Run a script from the repository root: `.venv/bin/python tools/reexport/<modality>.py [--commit 7aab36a]`.
"""
import argparse, json, subprocess
from functools import cached_property
from pathlib import Path
import torch
from safetensors.torch import load, load_file

ROOT = Path(__file__).resolve().parents[2]
COMMIT = '7aab36a'  # the last commit before issue 21: it holds the old folders
RUN = """
The old files are read from git history (commit 7aab36a, the last before issue 21), so this is reproducible after
they are gone. Run once from the repository root:
    .venv/bin/python tools/reexport/{script} [--commit 7aab36a]
"""


class OldCheckpoint:
    "The old checkpoint folder multidiff/pretrained/<name> at `commit`, read from git history."
    def __init__(self, name: str, commit: str):
        self.name, self.commit = name, commit

    def file(self, fname: str) -> bytes:
        "A file of the old folder."
        return subprocess.run(['git', 'show', f'{self.commit}:multidiff/pretrained/{self.name}/{fname}'], cwd=ROOT,
                              check=True, capture_output=True).stdout

    def json(self, fname: str) -> dict:
        "A JSON file of the old folder (model_config.json, the modality's config)."
        return json.loads(self.file(fname))

    @cached_property
    def weights(self) -> dict:
        "The old denoiser's weights."
        return load(self.file('denoiser.safetensors'))


def loaded(module: torch.nn.Module, weights: dict) -> torch.nn.Module:
    "`module` with `weights` (all of them, exactly), in eval mode."
    module.load_state_dict(weights, strict=True)
    return module.eval()


def old_scheduler(cfg: dict):
    "The `StateScheduler` of an old config's `scheduler` entry."
    from multidiff.core.scheduler import StateScheduler
    return StateScheduler.from_config({k: v for k, v in cfg.items() if k != '_class_name'})


def card(old: str, load_line: str, *replaced: str) -> str:
    """The old model card with the how-to-load line `load_line` (after the Data line; replaced if present), and each line
    of `replaced` (`- **Field:** ...`) in place of the old line of the same field."""
    fields = {l[:l.index(':**') + 3]: l for l in replaced}  # '- **Sampling:**' -> the new Sampling line
    lines = [next((n for f, n in fields.items() if l.startswith(f)), l) for l in old.splitlines()
             if not l.startswith('- **Load:**')]
    at = next(i for i, l in enumerate(lines) if l.startswith('- **Data:**')) + 1
    return '\n'.join(lines[:at] + [load_line] + lines[at:]) + '\n'


def shipped(name: str) -> Path:
    "The shipped checkpoint folder `name`."
    return ROOT / 'multidiff' / 'pretrained' / name


def export(pipe, old: OldCheckpoint, load_line: str, *card_lines: str, check=None) -> Path:
    """Save `pipe` (built from `old`) over multidiff/pretrained/<name> with the old model card (`card`), check that the
    saved weights are the old ones, then load it back by name and check the scheduler, `check(loaded pipeline)` (the
    modality's own checks) and the weights again."""
    out = shipped(old.name)
    pipe.save_pretrained(out)  # replaces the folder atomically: the old files go
    (out / 'README.md').write_text(card(old.file('README.md').decode(), load_line, *card_lines))
    new, weights = load_file(out / 'denoiser' / 'diffusion_pytorch_model.safetensors'), old.weights
    assert new.keys() == weights.keys() and all(torch.equal(new[k], weights[k]) for k in weights), 'weights changed'
    back = type(pipe).from_pretrained(old.name)
    assert back.scheduler.to_config() == pipe.scheduler.to_config(), 'scheduler changed'
    if check is not None: check(back)
    assert all(torch.equal(v, weights[k]) for k, v in back.denoiser.state_dict().items())
    print(f"re-exported {out}: {sorted(p.name for p in out.iterdir())}, {len(new)} tensors unchanged")
    return out


def same_config(config, old: dict, keys: tuple):
    "Assert that a loaded pipeline's `config` holds the old config's values under `keys`."
    assert {k: config[k] for k in keys} == {k: old[k] for k in keys}, ({k: config[k] for k in keys}, old)


def cli(doc: str, script: str) -> str:
    "The command line of a script (`doc`: its docstring, `script`: its `__file__`): the commit that holds the old folder."
    ap = argparse.ArgumentParser(description=doc + RUN.format(script=Path(script).name),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--commit', default=COMMIT, help='the commit that holds the old folder')
    return ap.parse_args().commit
