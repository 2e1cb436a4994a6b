"""Fail when `nbdev_export` or `nbdev_clean` changes any file: the library and the notebooks must be committed in sync."""
import hashlib, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
bindir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(sys.executable).parent

def snapshot():
    files = [p for d in ("nbs", "multidiff") for p in (root / d).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

failed = False
for cmd in ("nbdev_export", "nbdev_clean"):
    before = snapshot()
    subprocess.run([str(bindir / cmd)], cwd=root, check=True)
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        failed = True
        print(f"check_sync: `{cmd}` changed {len(changed)} file(s): {', '.join(changed)}.\n"
              f"  Fix: run `{cmd}` (both: `nbdev_export && nbdev_clean`), review, and commit the result.")
    else: print(f"check_sync: `{cmd}` left nbs/ and multidiff/ unchanged ({len(after)} files)")
sys.exit(1 if failed else 0)
