"The recipes' shared stage logic (benchmarks/recipes/_recipe.py): run folders, starting models and the card's commands per stage."
import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'benchmarks' / 'recipes'))
import _recipe

STAGES = ('base', 'focus', 'predict')


def args_for(monkeypatch, *argv):
    monkeypatch.setattr(sys, 'argv', ['recipe.py', *argv])
    return _recipe.recipe_args('demo', 500, stages=STAGES)


def test_each_stage_has_its_own_run_folder(monkeypatch):
    "The first stage trains in runs/NAME, a later one in runs/NAME_STAGE, the export reads the last stage's; --out overrides."
    assert Path(args_for(monkeypatch).out).name == 'demo'
    assert Path(args_for(monkeypatch, '--stage', 'focus').out).name == 'demo_focus'
    assert Path(args_for(monkeypatch, '--stage', 'predict').out).name == 'demo_predict'
    assert Path(args_for(monkeypatch, '--export').out).name == 'demo_predict'
    assert args_for(monkeypatch, '--stage', 'focus', '--out', '/tmp/x').out == '/tmp/x'
    assert args_for(monkeypatch, '--stage', 'focus', '--out=/tmp/y').out == '/tmp/y'  # any spelling of --out


def test_a_stage_starts_from_the_previous_stages_model(monkeypatch, tmp_path):
    "stage_init defaults to the previous stage's saved model, refuses a missing one by name, and carries its wall time forward."
    a = args_for(monkeypatch, '--stage', 'predict', '--out', str(tmp_path / 'run'))
    assert _recipe.stage_model(a, 'base') == _recipe.ROOT / 'runs' / 'demo' / 'base_model'
    assert _recipe.stage_model(a, 'focus') == _recipe.ROOT / 'runs' / 'demo_focus' / 'focus_model'
    with pytest.raises(SystemExit, match='demo_focus/focus_model is not a saved model'):
        _recipe.stage_init(a, 'cfg.json')
    prev = tmp_path / 'focus'; (prev / 'focus_model').mkdir(parents=True)
    (prev / 'focus_model' / 'cfg.json').write_text('{}'); (prev / 'wall_time.txt').write_text('segment_train_seconds=3600\nsegment_train_seconds=1800\n')
    a.init = str(prev / 'focus_model')
    assert _recipe.stage_init(a, 'cfg.json') == prev / 'focus_model'
    assert _recipe.wall_hours(a) == pytest.approx(1.5)  # both earlier segments counted in the new stage's record


def test_card_lists_every_stage_in_order(monkeypatch):
    "The card's commands: each stage with its steps, then export, benchmark, card (two-stage recipes pass the base steps alone)."
    a = args_for(monkeypatch, '--export', '--bench', 'b.json')
    text = _recipe.stage_commands(a, {'base': 100, 'focus': 200, 'predict': 300})
    at = [text.index(s) for s in ('--steps 100', '--stage focus --steps 200', '--stage predict --steps 300', '--export --steps 300', 'the benchmark', '--card-only --steps 300 --bench b.json')]
    assert at == sorted(at), text
    monkeypatch.setattr(sys, 'argv', ['recipe.py', '--export', '--steps', '60'])
    two = _recipe.recipe_args('demo', 500, stages=('base', 'focus'))
    t2 = _recipe.stage_commands(two, 40)
    assert '--steps 40` (base stage' in t2 and '--stage focus --steps 60' in t2 and 'predict' not in t2
