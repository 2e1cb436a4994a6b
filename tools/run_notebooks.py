"""Execute the documentation notebooks and store their outputs: `make notebooks` (or `python tools/run_notebooks.py [NB ...]`).

The tutorials and the core notebooks whose figures explain the idea are run top to bottom in their own folder (as
nbdev_test runs them) from the shipped checkpoints with fixed seeds, so their stored figures, molecule grids, audio
players and GIFs are reproducible; `#| slow` cells (long training) are skipped, as in CI. Each notebook is then
cleaned by nbdev_clean (which keeps outputs: settings.ini has clear_all = False) and checked against the stored-output
budget of tools/check_style.py. One torch thread, one notebook at a time: the machine has two cores."""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [  # the notebooks whose outputs the docs show, in dependency order
    'core/00_schedules.ipynb', 'core/01_forward.ipynb', 'core/08_sampling.ipynb',
    'core/18_tutorial_distillation.ipynb',
    'image/05_tutorial.ipynb', 'image/06_shapes.ipynb', 'image/11_tutorial_text_to_image.ipynb',
    'image/13_tutorial_control.ipynb',
    'audio/04_tutorial.ipynb', 'video/04_tutorial.ipynb', 'video/07_tutorial_text_to_video.ipynb',
    'molecules/06_tutorial.ipynb',
]


def skip_slow(cell) -> bool:
    "True for cells marked `#| slow`, which the docs run leaves unexecuted (and without outputs)."
    if cell.cell_type != 'code': return False
    if any(l.startswith('#|') and 'slow' in l[2:].split() for l in cell.source.splitlines()):
        cell.outputs = []
        return True
    return False


def png_only(cell):
    "Store a PIL image (a molecule grid) once, as PNG: IPython keeps both its JPEG and PNG forms."
    for o in cell.get('outputs', []):
        if 'image/png' in o.get('data', {}): o['data'].pop('image/jpeg', None)


def run(rel: str) -> float:
    "Execute nbs/`rel` in place, its outputs stored; returns seconds."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    path = ROOT / 'nbs' / rel
    nb, cwd, t0 = read_nb(path), os.getcwd(), time.time()
    os.chdir(path.parent)
    try: CaptureShell(path, mpl_format='png').run_all(nb, exc_stop=True, preproc=skip_slow, postproc=png_only)
    finally: os.chdir(cwd)
    write_nb(nb, path)
    subprocess.run([str(Path(sys.executable).parent / 'nbdev_clean'), '--fname', str(path)], check=True)
    return time.time() - t0


def stored_kb(rel: str) -> float:
    "Kilobytes of stored outputs in nbs/`rel`."
    cells = json.loads((ROOT / 'nbs' / rel).read_text())['cells']
    return sum(len(json.dumps(c.get('outputs', []))) for c in cells) / 1000  # as tools/check_style.py counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='*', help='paths under nbs/ (default: all the docs notebooks)')
    names = ap.parse_args().notebooks or NOTEBOOKS
    unknown = [n for n in names if not (ROOT / 'nbs' / n).exists()]
    if unknown: sys.exit(f"run_notebooks: no such notebook under nbs/: {', '.join(unknown)}")
    os.environ['OMP_NUM_THREADS'] = '1'
    import torch; torch.set_num_threads(1)
    for n in names:
        secs = run(n)
        print(f"{n:45s} {secs:6.0f} s  {stored_kb(n):6.0f} KB stored", flush=True)
    sys.exit(subprocess.run([sys.executable, str(ROOT / 'tools/check_style.py'), '--check']).returncode)  # it names the notebook


if __name__ == '__main__':
    main()
