"""tools/run_notebooks.py (issue 26): which cells the docs run skips, what it stores, and that every notebook it
executes still holds its stored figures (a `nbdev_clean` with clear_all, or a hand edit, would strip them silently)."""
import json, sys
from pathlib import Path
from execnb.nbio import mk_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import run_notebooks as rn


def test_slow_cells_are_skipped_and_emptied():
    slow = mk_cell("#| slow\ntrain(steps=10_000)"); slow['outputs'] = [{'output_type': 'stream', 'name': 'stdout', 'text': 'old'}]
    assert rn.skip_slow(slow) and slow['outputs'] == []
    assert not rn.skip_slow(mk_cell("#| export\ndef f(): pass"))
    assert not rn.skip_slow(mk_cell("x = 1  # slowly"))
    assert not rn.skip_slow(mk_cell("#| slow", cell_type='markdown'))


def test_pil_images_are_stored_once_as_png():
    c = mk_cell("grid")
    c['outputs'] = [{'output_type': 'execute_result', 'data': {'image/png': 'P', 'image/jpeg': 'J', 'text/plain': 'x'}},
                    {'output_type': 'display_data', 'data': {'image/jpeg': 'J'}}]
    rn.png_only(c)
    assert c['outputs'][0]['data'] == {'image/png': 'P', 'text/plain': 'x'}
    assert c['outputs'][1]['data'] == {'image/jpeg': 'J'}  # a JPEG alone is kept


def test_docs_notebooks_hold_their_figures():
    for rel in rn.NOTEBOOKS:
        cells = json.loads((ROOT / 'nbs' / rel).read_text())['cells']
        data = [o.get('data', {}) for c in cells for o in c.get('outputs', [])]
        assert any(k.startswith('image/') for d in data for k in d), f"{rel} has no stored figure: run `make notebooks`"
    players = [o for c in json.loads((ROOT / 'nbs/audio/04_tutorial.ipynb').read_text())['cells']
               for o in c.get('outputs', []) if '<audio' in ''.join(o.get('data', {}).get('text/html', ''))]
    assert len(players) >= 4
