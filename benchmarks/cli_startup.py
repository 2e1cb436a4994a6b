"""How long does the `multidiff` command take to answer `--help` or refuse a bad argument, before and after?

Run (from the repository root, on an otherwise idle machine):

    .venv/bin/python benchmarks/cli_startup.py                      # before = 0de47b9 (start of issue 22), after = the working tree
    .venv/bin/python benchmarks/cli_startup.py --before 7aab36a --runs 10 --out /tmp/cs.json

The "before" source is a detached `git worktree` of that commit (made under /tmp, removed at the end); both
sources run with this venv's Python as `python -c "from multidiff.cli import main; sys.exit(main())" ARGS`
(what the console script does) with PYTHONPATH pointing at the source, so only multidiff's own code differs.
For each command the runs alternate before/after (the order flipping each time); wall time per process is
measured with `time.perf_counter` around `subprocess.run`. Reports medians, their ratio (before / after), the
exit codes, and the target (after <= 1.5 s for every command), and writes JSON to --out.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import command_line, cpu_model, loadavg, utc_now, write_json_atomic

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ['--help', 'sample audio --help', 'train molecules --help', 'upscale --help',
            'sample audio --n 0 --out x', 'sample video --frames 0 --out x',
            'upscale a.png b.png --noise-level 5', 'train digits --batch-size 0 --out x']
TARGET_S = 1.5


def timed(src:Path, args:str) -> tuple:
    code = "import sys; from multidiff.cli import main; sys.exit(main())"
    env = {**os.environ, 'PYTHONPATH': str(src), 'OMP_NUM_THREADS': '1'}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, '-c', code, *args.split()], capture_output=True, env=env, cwd=tempfile.gettempdir())
    return time.perf_counter() - t0, r.returncode


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--before', default='0de47b9', help='git commit for the "before" column')
    p.add_argument('--runs', type=int, default=10)
    p.add_argument('--out', default=str(ROOT / 'benchmarks' / 'results' / 'cli_startup.json'))
    a = p.parse_args()
    tree = Path(tempfile.mkdtemp(prefix='multidiff_before_'))
    subprocess.run(['git', '-C', str(ROOT), 'worktree', 'add', '--detach', '--force', str(tree), a.before],
                   check=True, capture_output=True)
    try:
        rows = {}
        for cmd in COMMANDS:
            times = {'before': [], 'after': []}; codes = {}
            for i in range(a.runs):
                order = [('before', tree), ('after', ROOT)][::1 if i % 2 == 0 else -1]
                for name, src in order:
                    t, rc = timed(src, cmd); times[name].append(t); codes[name] = rc
            med = {k: statistics.median(v) for k, v in times.items()}
            rows[cmd] = {'median_s': med, 'ratio_before_over_after': med['before'] / med['after'],
                         'exit_codes': codes, 'times_s': times, 'meets_target': med['after'] <= TARGET_S}
            print(f"{cmd:45s} before {med['before']:6.2f} s  after {med['after']:5.2f} s  "
                  f"x{med['before'] / med['after']:.1f}  exit {codes}")
    finally:
        subprocess.run(['git', '-C', str(ROOT), 'worktree', 'remove', '--force', str(tree)], capture_output=True)
    write_json_atomic(Path(a.out), {
        'benchmark': 'cli_startup', 'target_after_s': TARGET_S, 'before_commit': a.before, 'runs': a.runs,
        'commands': rows, 'all_meet_target': all(r['meets_target'] for r in rows.values()),
        'environment': {'python': sys.version.split()[0], 'cpu': cpu_model(), 'cpu_count': os.cpu_count(),
                        'loadavg': loadavg()},
        'command': command_line(), 'date': utc_now()})
    print(f"wrote {a.out}")


if __name__ == '__main__':
    main()
