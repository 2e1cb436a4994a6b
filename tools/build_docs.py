"""Build the documentation site from the notebooks: `make docs` (or `python tools/build_docs.py`) writes _site/.

Why mkdocs: nbdev's own builder needs quarto, which no reachable registry has; mkdocs-material (search, navigation)
with mkdocs-jupyter (notebooks rendered with their stored outputs, not re-executed) installs from PyPI and builds
offline. The source folder _docs_src/ is made here: README.md as the home page, every notebook under nbs/ in the same
folders, each `#| export` cell followed by its API reference (nbdev's `show_doc`: signature and docments, as nbdev's
own docs would show them) and `#| hide` cells left out. Both folders are build outputs (git ignores them)."""
import ast, copy, importlib, json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC, SITE = ROOT / '_docs_src', ROOT / '_site'
SKIP = ('unused', 'runs', '.ipynb_checkpoints')


def directives(cell) -> list:
    "The cell's `#| ...` lines."
    return [l[3:].strip() for l in ''.join(cell['source']).splitlines() if l.startswith('#|')]


def exported_names(source: str) -> list:
    "Public functions and classes a cell defines, in order."
    try: tree = ast.parse(source)
    except SyntaxError: return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith('_')]


def api_markdown(obj) -> str:
    "nbdev's show_doc of `obj` as markdown, less its quarto-only source link."
    from nbdev.showdoc import show_doc
    md = show_doc(obj)._repr_markdown_()
    return re.sub(r"^---\s*\n+\[source\]\([^)]*\)\{[^}]*\}\s*\n", '', md.lstrip(), flags=re.M)


def gif_as_html(cell):
    "nbconvert's HTML drops `image/gif` outputs (the video tutorial's clips): give each an <img> the page shows."
    for o in cell.get('outputs', []):
        data = o.get('data', {})
        if 'image/gif' in data and 'text/html' not in data:
            data['text/html'] = f'<img alt="an animated clip" src="data:image/gif;base64,{data["image/gif"].strip()}">'


def page(nb: dict) -> dict:
    "A notebook for the site: hidden cells dropped, an API reference after each exported cell."
    out, module = copy.deepcopy(nb), None
    for c in nb['cells']:
        for d in directives(c):
            if d.startswith('default_exp'): module = importlib.import_module('multidiff.' + d.split()[1])
    cells = []
    for c in out['cells']:
        d = directives(c)
        if 'hide' in d or any(x.startswith('default_exp') for x in d): continue
        gif_as_html(c); cells.append(c)
        if c['cell_type'] == 'code' and 'export' in d and module is not None:
            docs = [api_markdown(getattr(module, n)) for n in exported_names(''.join(c['source'])) if hasattr(module, n)]
            if docs: cells.append({'cell_type': 'markdown', 'metadata': {}, 'source': '\n\n'.join(docs)})
    out['cells'] = cells
    return out


def build_source() -> list:
    "Write _docs_src/: the home page and one page per notebook; returns the pages."
    if SRC.exists(): shutil.rmtree(SRC)
    SRC.mkdir()
    (SRC / 'index.md').write_text((ROOT / 'README.md').read_text())
    pages = ['index.md']
    for nb in sorted((ROOT / 'nbs').rglob('*.ipynb')):
        rel = nb.relative_to(ROOT / 'nbs')
        if any(p in SKIP for p in rel.parts) or rel.name == 'index.ipynb': continue
        dest = SRC / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(page(json.loads(nb.read_text()))))
        pages.append(str(rel))
    return pages


def main():
    pages = build_source()
    r = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '-q', '-f', str(ROOT / 'mkdocs.yml')], cwd=ROOT)
    if r.returncode: sys.exit(r.returncode)
    print(f"build_docs: {len(pages)} pages in {SITE.relative_to(ROOT)}/ (open {SITE.relative_to(ROOT)}/index.html)")


if __name__ == '__main__':
    main()
