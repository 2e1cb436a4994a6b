"""Library size per package folder: lines of generated library code and exported names (`__all__`), for a checkout.
    python tools/api_stats.py [ROOT]        (ROOT: a checkout, default this one)
Used for issue 21's before/after table (run on a worktree of the older commit for 'before')."""
import ast, json, sys
from pathlib import Path


def stats(root: Path) -> dict:
    out = {}
    for py in sorted((root / 'multidiff').rglob('*.py')):
        if py.name in ('_modidx.py',) or 'pretrained' in py.parts: continue
        rel = py.relative_to(root / 'multidiff')
        group = rel.parts[0] if len(rel.parts) > 1 else 'top'
        tree = ast.parse(py.read_text())
        names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                      and any(getattr(t, 'id', None) == '__all__' for t in n.targets)), [])
        lines = sum(1 for l in py.read_text().splitlines() if l.strip() and not l.lstrip().startswith('#'))
        g = out.setdefault(group, {'lines': 0, 'exported': [], 'modules': 0})
        g['lines'] += lines; g['exported'] += names; g['modules'] += 1
    return out


if __name__ == '__main__':
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    print(json.dumps(stats(root), indent=1))
