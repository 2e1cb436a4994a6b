"""Build README.md from nbs/index.ipynb (no quarto here, so `nbdev_readme` cannot): markdown cells as they are,
code cells as ```python blocks, their text outputs as ``` blocks; cells flagged `#| hide` are left out."""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]

def render(nb_path):
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]).rstrip()
        if not src or src.lstrip().startswith("#| hide") or "\n#| hide" in src: continue
        if cell["cell_type"] == "markdown": parts.append(src)
        elif cell["cell_type"] == "code":
            code = "\n".join(l for l in src.split("\n") if not l.startswith("#|")).strip()
            if code: parts.append(f"```python\n{code}\n```")
            texts = ["".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
            if any(t.strip() for t in texts): parts.append("```\n" + "".join(texts).rstrip() + "\n```")
    return "<!-- Generated from nbs/index.ipynb by tools/build_readme.py: edit the notebook, not this file. -->\n\n" + "\n\n".join(parts) + "\n"

if __name__ == "__main__":
    out = render(root / "nbs" / "index.ipynb")
    target = root / "README.md"
    if "--check" in sys.argv:
        ok = target.exists() and target.read_text(encoding="utf-8") == out
        print("build_readme: README.md is", "up to date" if ok else "stale: run `make readme` and commit")
        sys.exit(0 if ok else 1)
    target.write_text(out, encoding="utf-8")
    print("build_readme: wrote README.md")
