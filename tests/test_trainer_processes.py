"""`multidiff.core.trainer.Trainer` in real processes: torchrun, SIGKILL, SIGINT, resume.

Every training run here is `tests/train_job.py` in a subprocess: a 2-layer MLP on 1024
synthetic samples whose loss uses the trainer's per-sample generators. All runs use the
same model init, data, seed and schedule (6 optimizer steps, global batch 16), so they are
compared with one straight single-process run, the `reference`:

* two processes under `torchrun` (gloo, DDP) end with identical weights on both ranks, and
  with the reference's weights to within `ATOL` (the gradient is the same mean over the
  same 16 samples, only summed in another order), with and without gradient accumulation;
* SIGKILL while a checkpoint folder is half written leaves the previous checkpoint as the
  latest, loadable and finite, and a resumed process ends bitwise equal to the reference;
* SIGINT makes the run save a checkpoint at the next step boundary and exit 0, and a
  resumed process ends bitwise equal to the reference;
* `fit(until=3)` in one process then `fit(resume=True)` in another is bitwise equal to the
  reference (raw and EMA weights).

The weights must have moved well beyond `ATOL` from their init, so every comparison can fail.

Speed: importing the trainer costs a process about 5 s of CPU, which dominates. So the runs
that need no signals (`Runs`) all start together when the first test asks for them, the
signal tests start their two processes together, and a process that resumes is started early
with `--wait-for GO`: it imports and builds its Trainer, then waits for the test to create
GO before `fit()` reads any checkpoint, so it is still a fresh process that knows nothing of
the previous one except what is on disk.
"""
import importlib.util, os, re, signal, subprocess, sys, time
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from multidiff.core.checkpoint import CheckpointManager

ROOT = Path(__file__).resolve().parents[1]
JOB = Path(__file__).resolve().with_name('train_job.py')
STEPS, BATCH = 6, 16  # train_job's defaults, spelled out on every command line
ATOL = 1e-5  # 2 processes vs 1: same gradient summed in another order
RUN_TIMEOUT = 120  # seconds for one process (or one torchrun) to finish
# Launch variables a surrounding job may have set would confuse the launches below.
_LAUNCH_VARS = ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'ROLE_RANK',
                'MASTER_ADDR', 'MASTER_PORT', 'TORCHELASTIC_RUN_ID')
ENV = {**{k: v for k, v in os.environ.items() if k not in _LAUNCH_VARS}, 'PYTHONUNBUFFERED': '1', 'OMP_NUM_THREADS': '1'}


def _train_job_module():
    "tests/train_job.py as a module (it imports only torch at the top)."
    spec = importlib.util.spec_from_file_location('train_job', JOB)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


class Job:
    "One `train_job.py` process, or a `torchrun` of it; output goes to files so nothing blocks on a pipe."
    def __init__(self, log_dir: Path, name: str, args, procs: int = 1, go: bool = False):
        self.name, self.go = name, (log_dir / f'{name}.go' if go else None)
        launcher = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(procs)] if procs > 1 else [sys.executable]
        self.cmd = [*launcher, str(JOB), *map(str, args), *(['--wait-for', str(self.go)] if go else [])]
        self.stdout_path, self.stderr_path = log_dir / f'{name}.stdout', log_dir / f'{name}.stderr'
        with open(self.stdout_path, 'w') as out, open(self.stderr_path, 'w') as err:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, env=ENV,
                                         start_new_session=True)  # own process group: torchrun and its workers die together

    @property
    def pid(self): return self.proc.pid
    @property
    def stdout(self): return self.stdout_path.read_text()
    @property
    def stderr(self): return self.stderr_path.read_text()

    def release(self):
        "Let a process started with go=True begin fit()."
        self.go.touch()

    def report(self, tail: int = 6000) -> str:
        return (f"$ {' '.join(self.cmd)}\nexit code: {self.proc.poll()}\n"
                f"--- stdout (tail) ---\n{self.stdout[-tail:]}\n--- stderr (tail) ---\n{self.stderr[-tail:]}")

    def kill(self):
        if self.proc.poll() is None:
            try: os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError: pass
            self.proc.wait()

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        "Exit code; fails the test (after killing the process group) if it runs past `timeout`."
        try: return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"{self.name} did not finish within {timeout} s\n{self.report()}")

    def ok(self, timeout: float = RUN_TIMEOUT) -> 'Job':
        "Wait and require exit code 0."
        rc = self.wait(timeout)
        if rc != 0: pytest.fail(f"{self.name} failed\n{self.report()}")
        return self


class Launcher:
    "Starts jobs and kills whatever is still running at teardown."
    def __init__(self, log_dir: Path): self.log_dir, self.jobs = log_dir, []
    def start(self, name, *args, procs=1, go=False) -> Job:
        job = Job(self.log_dir, name, args, procs, go); self.jobs.append(job); return job
    def close(self):
        for job in self.jobs: job.kill()


@pytest.fixture
def launcher(tmp_path):
    l = Launcher(tmp_path); yield l; l.close()


def wait_until(cond, job: Job, what: str, timeout: float = 60.0):
    "Poll `cond` every 20 ms; fail if `job` exits first or `timeout` passes."
    end = time.monotonic() + timeout
    while not cond():
        if job.proc.poll() is not None:
            pytest.fail(f"{job.name} exited before {what}\n{job.report()}")
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{job.report()}")
        time.sleep(0.02)


def weights(path) -> dict: return load_file(str(path))
def dump_meta(path) -> dict:
    with safe_open(str(path), 'pt') as f: return f.metadata()


def assert_bitwise_equal(got: dict, want: dict, what: str):
    assert got.keys() == want.keys(), what
    diff = {k: (got[k].double() - want[k].double()).abs().max().item() for k in want if not torch.equal(got[k], want[k])}
    assert not diff, f"{what}: not bitwise equal, max abs difference per tensor: {diff}"


def max_abs_diff(a: dict, b: dict) -> float:
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def tensors_in(tree):
    "Every tensor in a loaded checkpoint's nested dicts/lists."
    if isinstance(tree, torch.Tensor): yield tree
    elif isinstance(tree, dict):
        for v in tree.values(): yield from tensors_in(v)
    elif isinstance(tree, (list, tuple)):
        for v in tree: yield from tensors_in(v)


def ckpt_name(step: int) -> str: return f'step-{step:08d}'


class Runs:
    """The runs that need no signals, all started together on first use (they overlap on the CPU;
    each test waits only for its own):

    * `reference`: the straight single-process run (6 steps, global batch 16, no accumulation),
      the one every other run is compared to;
    * `single-ga2`: the same with 2 accumulation micro-steps;
    * `torchrun-ga1`, `torchrun-ga2`: 2 processes under torchrun, without and with accumulation;
    * `until`: `fit(until=3)`, and `resume`: a second process that resumes it once released.
    """
    def __init__(self, launcher: Launcher, d: Path):
        self.dir, self.jobs = d, {}
        common = ['--steps', STEPS, '--batch-size', BATCH]
        def start(name, *args, **kw): self.jobs[name] = launcher.start(name, '--out', d / name, *common, *args, **kw)
        start('reference', '--dump', self.dump('reference'))
        start('torchrun-ga1', '--dump', self.dump('torchrun-ga1'), procs=2)
        start('torchrun-ga2', '--grad-accum', 2, '--dump', self.dump('torchrun-ga2'), procs=2)
        start('single-ga2', '--grad-accum', 2, '--dump', self.dump('single-ga2'))
        start('until', '--until', 3)
        self.jobs['resume'] = launcher.start('resume', '--out', d / 'until', *common, '--resume', '--dump', self.dump('resume'), go=True)
        self._reference = None

    def __getitem__(self, name) -> Job: return self.jobs[name]
    def dump(self, name) -> Path: return self.dir / f'{name}.safetensors'

    def single(self, name) -> dict:
        "Final raw weights of a finished single-process run, checked to have moved well beyond ATOL from init."
        self.jobs[name].ok()
        assert dump_meta(self.dump(name)) == {'world': '1', 'rank': '0', 'step': str(STEPS)}
        w = weights(self.dump(name))
        moved = max_abs_diff(w, _train_job_module().build_model().state_dict())
        assert moved > 100 * ATOL, f"{name}: training barely moved the weights ({moved:.2e}); the comparisons could not fail"
        return w

    def reference(self) -> dict:
        if self._reference is None: self._reference = self.single('reference')
        return self._reference

    def reference_ema(self) -> dict:
        self.reference(); return weights(self.dir / 'reference' / 'final' / 'model.safetensors')


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp('runs'); l = Launcher(d)
    yield Runs(l, d)
    l.close()


@pytest.mark.parametrize('grad_accum', [1, 2], ids=lambda g: f'grad_accum={g}')
def test_two_processes_train_like_one(grad_accum, runs):
    """`torchrun --standalone --nproc_per_node 2` (gloo, DDP) trains like one process.

    After 6 steps of global batch 16 both ranks hold exactly the same weights, and those are
    within ATOL of a single-process run with the same global batch and accumulation, which
    moved the weights by far more than ATOL. Each rank's dump records the world size the
    trainer saw, so two independent 1-process runs (distributed not started) cannot pass.
    """
    name = f'torchrun-ga{grad_accum}'
    dist = runs[name]
    if dist.wait() != 0: pytest.fail(f"torchrun with 2 processes did not complete\n{dist.report()}")
    ranks = [runs.dump(name).with_name(f'{name}.safetensors.rank{r}.safetensors') for r in (0, 1)]
    for r, path in enumerate(ranks):
        assert path.exists(), f"rank {r} wrote no weights\n{dist.report()}"
        assert dump_meta(path) == {'world': '2', 'rank': str(r), 'step': str(STEPS)}, f"rank {r}: {dump_meta(path)}"
    w0, w1 = weights(ranks[0]), weights(ranks[1])
    assert_bitwise_equal(w1, w0, "rank 1 vs rank 0")
    assert_bitwise_equal(weights(runs.dump(name)), w0, "rank 0's --dump vs its .rank0 copy")

    single = runs.reference() if grad_accum == 1 else runs.single('single-ga2')
    diff = max_abs_diff(w0, single)
    assert diff <= ATOL, f"2 processes vs 1 (grad_accum={grad_accum}): max abs difference {diff:.3e} > {ATOL}"


def test_sigkill_while_writing_checkpoint_keeps_previous_one(runs, launcher, tmp_path):
    """SIGKILL in the middle of writing a checkpoint loses only the steps since the last one.

    Checkpoints every 2 steps, each part write followed by a 0.5 s sleep; the process is
    killed once step 2 is complete and step 4's temporary folder holds its first part. The
    half-written folder is not listed by `CheckpointManager.checkpoints()`, `load()` returns
    step 2 with finite tensors, and a new process with --resume trains to step 6, removes the
    leftover folder and ends with exactly the weights of the uninterrupted reference run.
    """
    out = tmp_path / 'run'; root = out / 'checkpoints'
    args = ['--out', out, '--steps', STEPS, '--batch-size', BATCH, '--ckpt-every', 2]
    victim = launcher.start('victim', *args, '--slow-checkpoint', 0.5)
    resumer = launcher.start('resume', *args, '--resume', '--dump', tmp_path / 'resumed.safetensors', go=True)

    def step4_half_written():
        return (root / ckpt_name(2) / 'meta.json').exists() and any((p / 'model.json').exists() for p in root.glob(f'.tmp-{ckpt_name(4)}-*'))
    wait_until(step4_half_written, victim, "step 2's checkpoint and the first part of step 4's")
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(30) == -signal.SIGKILL, victim.report()

    partial = sorted(root.glob('.tmp-step-*'))
    assert [p.name for p in partial] == [f'.tmp-{ckpt_name(4)}-{victim.pid}'], sorted(p.name for p in root.iterdir())
    assert (partial[0] / 'model.safetensors').exists() and not (partial[0] / 'meta.json').exists()
    assert not (root / ckpt_name(4)).exists()
    mgr = CheckpointManager(root)
    assert [p.name for p in mgr.checkpoints()] == [ckpt_name(2)]
    assert mgr.latest() == root / ckpt_name(2)
    ck = mgr.load()
    assert ck['step'] == 2 and ck['trainer']['step'] == 2 and ck['trainer']['pos'] == 2 * BATCH
    found = list(tensors_in(ck))
    assert len(found) > 10 and all(torch.isfinite(t).all() for t in found if t.is_floating_point())

    resumer.release(); resumer.ok()
    assert f"START rank=0 world=1 resume=True" in resumer.stdout
    assert sorted(root.glob('.tmp-step-*')) == [], "the resumed run left the killed run's temporary folder"
    assert mgr.latest() == root / ckpt_name(STEPS) and mgr.load()['trainer']['step'] == STEPS
    assert (out / 'final' / 'model.safetensors').exists()
    assert_bitwise_equal(weights(tmp_path / 'resumed.safetensors'), runs.reference(), "killed at step 4, resumed from 2 vs straight run")


def test_sigint_saves_at_step_boundary_and_exits_zero(runs, launcher, tmp_path):
    """SIGINT (Ctrl-C) stops training at the next step boundary with a checkpoint and exit code 0.

    Training sleeps 0.75 s per step; SIGINT is sent right after step 2's checkpoint appears.
    The process must exit 0 within 10 s, log "Interrupted at step K" (stderr) with 2 <= K < 6, and
    its latest checkpoint must be step K (no final weights written). A new process with
    --resume then ends with exactly the weights of the uninterrupted reference run.
    """
    out = tmp_path / 'run'; root = out / 'checkpoints'
    args = ['--out', out, '--steps', STEPS, '--batch-size', BATCH, '--ckpt-every', 2]
    victim = launcher.start('victim', *args, '--step-sleep', 0.75)
    resumer = launcher.start('resume', *args, '--resume', '--dump', tmp_path / 'resumed.safetensors', go=True)

    wait_until(lambda: (root / ckpt_name(2) / 'meta.json').exists(), victim, "the checkpoint of step 2")
    sent = time.monotonic()
    os.kill(victim.pid, signal.SIGINT)
    rc = victim.wait(60); took = time.monotonic() - sent
    assert rc == 0, f"interrupted run exited with {rc}\n{victim.report()}"
    assert took < 10, f"the interrupted run took {took:.1f} s to exit"
    m = re.search(r'Interrupted at step (\d+)', victim.stderr)  # a log record (logging's last-resort handler: stderr)
    assert m, f"no 'Interrupted at step' line\n{victim.report()}"
    k = int(m.group(1))
    assert 2 <= k < STEPS, victim.report()
    assert f"DONE rank=0 world=1 step={k}" in victim.stdout
    mgr = CheckpointManager(root)
    assert mgr.latest() == root / ckpt_name(k)
    ck = mgr.load()
    assert ck['step'] == k and ck['trainer']['step'] == k and ck['trainer']['pos'] == k * BATCH
    assert not (out / 'final').exists(), "an interrupted run must not write final weights"

    resumer.release(); resumer.ok()
    assert mgr.latest() == root / ckpt_name(STEPS)
    assert_bitwise_equal(weights(tmp_path / 'resumed.safetensors'), runs.reference(), f"interrupted at step {k}, resumed vs straight run")


def test_until_then_resume_in_new_process_is_bitwise_exact(runs):
    """`fit(until=3)` in one process, then `fit(resume=True)` in a new one, equals 6 straight steps bitwise.

    The first process (config steps=6) stops at step 3 and checkpoints it without writing final
    weights; the second resumes from it. Raw weights and the EMA weights in final/ are both
    exactly those of the straight reference run, and differ from the step-3 weights.
    """
    out = runs.dir / 'until'; mgr = CheckpointManager(out / 'checkpoints')
    first, second = runs['until'], runs['resume']
    first.ok()
    assert "DONE rank=0 world=1 step=3" in first.stdout, first.report()
    assert [p.name for p in mgr.checkpoints()] == [ckpt_name(3)]
    assert not (out / 'final').exists()
    at3 = mgr.load()['model']

    second.release(); second.ok()
    assert "START rank=0 world=1 resume=True" in second.stdout and "DONE rank=0 world=1 step=6" in second.stdout, second.report()
    want = runs.reference()
    assert max_abs_diff(at3, want) > 100 * ATOL, "steps 4-6 did not change the weights; the comparison could not fail"
    assert_bitwise_equal(weights(runs.dump('resume')), want, "until=3 + resume vs straight run (raw weights)")
    assert_bitwise_equal(weights(out / 'final' / 'model.safetensors'), runs.reference_ema(), "until=3 + resume vs straight run (EMA weights)")
