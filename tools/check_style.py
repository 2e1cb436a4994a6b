"""Report what the style guide limits: exported cells over ~60 lines, library lines over 110 characters, and notebooks
whose stored outputs exceed the size budget (MAX_OUTPUT_KB each, MAX_TOTAL_KB for all: figures are kept where they
explain, small; the docs site shows them) or hold what a reader should not see (a traceback, warnings or progress
bars on stderr).
`--check` exits 1 when any is found (used by `make test`)."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_CELL, MAX_LINE = 60, 110
MAX_OUTPUT_KB, MAX_TOTAL_KB = 400, 5000  # stored outputs per notebook and in all (JSON bytes of the cells' outputs)


def output_kb(nb_path: Path) -> float:
    return sum(len(json.dumps(c.get('outputs', []))) for c in json.loads(nb_path.read_text())['cells']) / 1000


def problems(nb_path: Path) -> list:
    cells = json.loads(nb_path.read_text())['cells']
    out, kb = [], output_kb(nb_path)
    if kb > MAX_OUTPUT_KB: out.append(f"{nb_path.relative_to(ROOT)}: stored outputs {kb:.0f} KB (> {MAX_OUTPUT_KB} KB): "
                                      "shrink figures (smaller figsize/dpi) or clear outputs that do not explain")
    for c in cells:
        for o in c.get('outputs', []):
            if o['output_type'] == 'error' or o.get('name') == 'stderr':
                first = ''.join(o.get('text', o.get('ename', ''))).strip().splitlines()[:1]
                out.append(f"{nb_path.relative_to(ROOT)} cell {c.get('id')}: a stored {o.get('name', 'error')} output "
                           f"{first} (fix its cause, or silence progress bars, and rerun tools/run_notebooks.py)")
    for i, c in enumerate(cells):
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or not src.lstrip().startswith('#| export'): continue
        lines = src.split('\n')
        if len(lines) > MAX_CELL: out.append(f"{nb_path.relative_to(ROOT)} cell {c.get('id')}: {len(lines)} lines (> {MAX_CELL})")
        for n, line in enumerate(lines, 1):
            if len(line) > MAX_LINE: out.append(f"{nb_path.relative_to(ROOT)} cell {c.get('id')} line {n}: {len(line)} chars (> {MAX_LINE})")
    return out


if __name__ == '__main__':
    nbs = [nb for nb in sorted((ROOT / 'nbs').rglob('*.ipynb')) if '.ipynb_checkpoints' not in nb.parts]
    found = [p for nb in nbs for p in problems(nb)]
    total = sum(output_kb(nb) for nb in nbs)
    if total > MAX_TOTAL_KB: found.append(f"stored outputs {total:.0f} KB in all (> {MAX_TOTAL_KB} KB): shrink or clear some")
    print('\n'.join(found) if found else f'check_style: no exported cell over {MAX_CELL} lines, no library line over {MAX_LINE} characters, '
          f'no notebook outputs over {MAX_OUTPUT_KB} KB ({total:.0f} KB in all, budget {MAX_TOTAL_KB} KB), no stored traceback or stderr')
    if '--check' in sys.argv and found: sys.exit(1)
