"""Edit a notebook as a plain text file and write it back: `nbpy.py dump NB.ipynb > x.py`, edit, `nbpy.py load x.py NB.ipynb`.

The text form is the percent format: each cell starts with `# %% <id>` (code) or `# %% [md] <id>` (markdown;
its lines are stored with a leading '# '). A new cell may leave the id out (one is made). Outputs of cells whose
id and source are unchanged are kept, so stored figures survive an edit of other cells. Why not jupytext: it is
one more dev dependency for a 50-line need, and it does not keep outputs of cells by id.
"""
import json, sys, uuid
from pathlib import Path


def dump(nb_path) -> str:
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            parts.append(f"# %% [md] {c.get('id', '')}\n" + '\n'.join('# ' + l if l else '#' for l in src.split('\n')))
        else: parts.append(f"# %% {c.get('id', '')}\n{src}")
    return '\n\n'.join(parts) + '\n'


def _cells(text:str) -> list:
    cells, cur = [], None
    for line in text.split('\n'):
        if line.startswith('# %%'):
            if cur: cells.append(cur)
            head = line[4:].split()
            md = bool(head) and head[0] == '[md]'
            ids = head[1:] if md else head
            cur = {'md': md, 'id': ids[0] if ids else uuid.uuid4().hex[:8], 'lines': []}
        elif cur is not None: cur['lines'].append(line)
    if cur: cells.append(cur)
    for c in cells:
        while c['lines'] and not c['lines'][-1].strip(): c['lines'].pop()
        if c['md']: c['lines'] = [l[2:] if l.startswith('# ') else l[1:] if l.startswith('#') else l for l in c['lines']]
    return cells


def load(py_path, nb_path):
    nb_path = Path(nb_path)
    old = json.loads(nb_path.read_text()) if nb_path.exists() else {
        'cells': [], 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
        'nbformat': 4, 'nbformat_minor': 5}
    prev = {c.get('id'): c for c in old['cells']}
    cells = []
    for c in _cells(Path(py_path).read_text()):
        src = '\n'.join(c['lines'])
        lines = [l + '\n' for l in src.split('\n')]; lines[-1] = lines[-1][:-1]
        if c['md']: cells.append({'cell_type': 'markdown', 'id': c['id'], 'metadata': {}, 'source': lines}); continue
        p = prev.get(c['id'])
        keep = p is not None and p['cell_type'] == 'code' and ''.join(p['source']) == src
        cells.append({'cell_type': 'code', 'execution_count': p.get('execution_count') if keep else None, 'id': c['id'],
                      'metadata': p.get('metadata', {}) if keep else {}, 'outputs': p.get('outputs', []) if keep else [],
                      'source': lines})
    old['cells'] = cells
    nb_path.write_text(json.dumps(old, indent=1, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'dump': sys.stdout.write(dump(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == 'load': load(sys.argv[2], sys.argv[3])
    else: sys.exit('usage: nbpy.py dump NB.ipynb > NB.py | nbpy.py load NB.py NB.ipynb')
