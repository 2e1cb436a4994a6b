"""What the checkpoint recipes share: one command line (--out, --steps, --shared, --export, --bench, --note, --wall-hours),
training in segments whose wall times add up (an interrupted run resumes from its checkpoints), and the export: the EMA
weights of the run folder saved as the shipped model, and a model card with the exact commands, data, seed, steps, wall
time, hardware and the benchmark's numbers. Recipes import it as `from _recipe import ...` (run them by path)."""
import argparse, json, os, platform, sys, time
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[2]


def recipe_args(name: str, steps, doc: str = '', stages: tuple = ()) -> argparse.Namespace:
    "The recipes' command line; `name` is the shipped model's folder and the run folder's default name; `stages`, if any, the training stages; `steps` None: the recipe fills in each stage's."
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=None, help='run folder (default runs/NAME, runs/NAME_STAGE for a later stage; resumed when it holds checkpoints)')
    ap.add_argument('--steps', type=int, default=steps, help='optimizer steps')
    ap.add_argument('--shared', default=os.environ.get('MULTIDIFF_SHARED', str(ROOT.parent / 'shared')), help='the shared data folder')
    ap.add_argument('--export', action='store_true', help="save the run's EMA weights to multidiff/pretrained/NAME with a model card")
    ap.add_argument('--bench', default=None, help="the benchmark's JSON, for the card's measured numbers")
    ap.add_argument('--note', default='', help="a line for the card (e.g. how the run was segmented)")
    ap.add_argument('--card-only', action='store_true', help='with --export: rewrite only the card of the shipped model (the run folder may be gone)')
    ap.add_argument('--wall-hours', type=float, default=None, help="with --card-only: the training time (the run folder's record is gone)")
    ap.add_argument('--train-cpu', default=None, help="the CPU that trained the model (default: the benchmark's)")
    if stages:
        ap.add_argument('--stage', default=stages[0], choices=stages, help='which training stage to run')
        ap.add_argument('--init', default=None, help='the saved model a later stage starts from')
    args = ap.parse_args()
    args.name, args.stages = name, stages
    if args.out is None:  # a later stage's run is runs/NAME_STAGE; the export reads the last stage's
        later = bool(stages) and (args.export or args.stage != stages[0])
        args.out = str(ROOT / 'runs' / (f"{name}_{stages[-1] if args.export else args.stage}" if later else name))
    return args


def stage_model(args, stage: str) -> Path:
    "Where `stage` saves its EMA model for the next stage: runs/NAME/base_model, runs/NAME_STAGE/STAGE_model after it."
    return ROOT / 'runs' / (args.name if stage == args.stages[0] else f"{args.name}_{stage}") / f"{stage}_model"


def stage_init(args, config_file: str) -> Path:
    "A later stage's starting model (--init, default the previous stage's `stage_model`), checked; seeds the stage's wall-time record with the previous stages', so the card counts them all."
    init = Path(args.init or stage_model(args, args.stages[args.stages.index(args.stage) - 1]))
    if not (init / config_file).exists(): sys.exit(f"{init} is not a saved model ({config_file} missing): run the previous stage first, or pass --init")
    out, base_time = Path(args.out), init.parent / 'wall_time.txt'
    if not (out / 'wall_time.txt').exists() and base_time.exists():
        out.mkdir(parents=True, exist_ok=True); (out / 'wall_time.txt').write_text(base_time.read_text())
    return init


def stage_commands(args, steps) -> str:
    "The card's commands for a recipe of stages: each stage, export, benchmark, card; `steps`: the base stage's (two stages, the last one's is --steps) or {stage: steps} for all."
    script, last = f'.venv/bin/python benchmarks/recipes/{args.name}.py', args.stages[-1]
    steps = steps if isinstance(steps, dict) else {args.stages[0]: steps, last: args.steps}
    first = args.stages[0]
    runs = [f"`{script} --steps {steps[first]}` ({first} stage: runs/{args.name}, its EMA model in runs/{args.name}/{first}_model)"]
    runs += [f"`{script} --stage {st} --steps {steps[st]}` (runs/{args.name}_{st})" for st in args.stages[1:]]
    return (", then ".join(runs) + f", then `{script} --export --steps {steps[last]}` (the weights), "
            f"the benchmark (which scores the shipped weights, writing {args.bench}), then `{script} --export --card-only --steps {steps[last]} --bench {args.bench}`")


def train_segment(out, train) -> float:
    "Call `train(resume)` on all CPU threads, resuming when `out` already has checkpoints; add the segment's seconds to out/wall_time.txt."
    torch.set_num_threads(len(os.sched_getaffinity(0)) or 1)  # the cores this process may use (taskset)
    t0 = time.time()
    train((Path(out) / 'checkpoints').exists())
    secs = time.time() - t0
    with open(Path(out) / 'wall_time.txt', 'a') as f: f.write(f"segment_train_seconds={secs:.0f}\n")
    return secs


def wall_hours(args) -> float:
    if args.wall_hours is not None: return args.wall_hours
    record = Path(args.out) / 'wall_time.txt'
    if not record.exists(): sys.exit(f"{record} is missing: export from the run folder that trained the model, or pass --card-only --wall-hours H")
    return sum(float(line.split('=')[1]) for line in record.read_text().split()) / 3600


def strip_local_paths(folder) -> int:
    "Drop diffusers' `_name_or_path` (where this machine loaded a model from) from every config in a shipped folder."
    n = 0
    for f in Path(folder).rglob('*.json'):
        cfg = json.loads(f.read_text())
        if isinstance(cfg, dict) and '_name_or_path' in cfg:
            del cfg['_name_or_path']; f.write_text(json.dumps(cfg, indent=2, sort_keys=True) + '\n'); n += 1
    return n


def export(args, load_run, load_shipped, card, commands:str=None) -> Path:
    """Save the run's EMA model (`load_run(out)`) as multidiff/pretrained/NAME, or with --card-only load the shipped one
    (`load_shipped(folder)`); then write README.md: `card(model, bench)` gives (title, body lines, measured lines);
    `commands` replaces the default train-then-export commands (a recipe of several stages)."""
    out = ROOT / 'multidiff' / 'pretrained' / args.name
    if args.card_only: model = load_shipped(out)
    else: model = load_run(args.out); model.save_pretrained(out); strip_local_paths(out)
    bench = json.loads(Path(args.bench).read_text()) if args.bench else {}
    title, body, measured = card(model, bench)
    script = Path(sys.argv[0]).resolve().relative_to(ROOT)
    cpu = args.train_cpu or bench.get('environment', {}).get('cpu_model', platform.processor() or 'CPU')
    lines = [f"# multidiff {args.name}: {title}", "", *body,
             f"- **Command:** {commands or f'`.venv/bin/python {script} --steps {args.steps}`, then `.venv/bin/python {script} --export --bench {args.bench}`'}.",
             f"- **Wall time:** {wall_hours(args):.2f} h of training on {cpu}, {torch.get_num_threads()} CPU threads, no GPU ({platform.platform()})."]
    if args.note: lines.append(f"- **Note:** {args.note}")
    text = '\n'.join(lines + [""] + (measured if bench else [])) + '\n'
    (out / 'README.md').write_text(text.replace(f"{ROOT}/", ''))  # commands relative to the repository root
    print(f"exported {out} ({sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.1f} MB)")
    return out


def settings_line(settings: dict, steps: int, batch: str, shipped: bool = True) -> str:
    "The card's seed / steps / settings line (`shipped`: this stage's EMA weights are the shipped ones)."
    return (f"- **Seed:** {settings['seed']}. **Steps:** {steps} optimizer steps of {batch}{' (EMA 0.999 weights shipped)' if shipped else ''}. "
            f"**Settings:** `{json.dumps(settings)}`.")
