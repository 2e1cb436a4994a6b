"""`multidiff distill` through the console script: a tiny digits teacher distilled by each method into a student
folder that `multidiff sample digits` then samples with the student's own sampler and step count; bad input gets one
line; an interrupted run resumes to the same weights as an uninterrupted one."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch

CLI = [sys.executable, '-m', 'multidiff']
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}


def run(*argv, cwd):
    return subprocess.run(CLI + [str(a) for a in argv], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=600)


@pytest.fixture(scope='module')
def teacher(tmp_path_factory):
    d = tmp_path_factory.mktemp('teacher')
    r = run('train', 'digits', '--out', d / 'run', '--steps', 40, '--no-progress', cwd=d)
    assert r.returncode == 0, r.stderr
    return d / 'run' / 'final'


def _scheduler(folder:Path) -> dict:
    return json.loads((folder / 'scheduler' / 'scheduler_config.json').read_text())


def test_consistency_student_samples_with_its_own_settings(teacher, tmp_path):
    r = run('distill', 'digits', '--teacher', teacher, '--steps', 2, '--out', tmp_path / 'cd', '--train-steps', 6,
            '--batch-size', 32, '--grid', 10, '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"a 2-step consistency student (guidance 2 folded in) in {tmp_path / 'cd'}/student" in r.stdout
    cfg = _scheduler(tmp_path / 'cd' / 'student')
    assert cfg['sampling_defaults'] == {'num_inference_steps': 2, 'guidance_scale': 1.0}
    assert cfg['schedulers']['_']['diffusers_class'] == 'LCMScheduler'
    assert cfg['schedulers']['_']['diffusers_config']['original_inference_steps'] == 10
    record = json.loads((tmp_path / 'cd' / 'student' / 'distillation.json').read_text())
    assert (record['method'], record['num_steps'], record['train_steps_per_round']) == ('consistency', 2, 6)
    from multidiff.image.digits import DigitsPipeline
    pipe = DigitsPipeline.from_pretrained(tmp_path / 'cd' / 'student'); pipe.set_progress_bar_config(disable=True)
    calls = []
    pipe([3, 4], seed=0, callback_on_step_end=lambda p, i, t, kw: calls.append(int(t)))
    assert calls == [999, 499]  # its own LCM grid at its own 2 steps, not DPM++ at 25
    r = run('sample', 'digits', '--checkpoint', tmp_path / 'cd' / 'student', '--out', tmp_path / 's.png',
            '--per-class', 1, '--no-progress', cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / 's.png').stat().st_size > 0, r.stderr


def test_progressive_student_runs_its_rounds(teacher, tmp_path):
    r = run('distill', 'digits', '--teacher', teacher, '--steps', 2, '--method', 'progressive', '--teacher-steps', 8,
            '--out', tmp_path / 'pd', '--train-steps', 3, '--batch-size', 16, '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / 'pd').iterdir()) == ['round-4-to-2', 'round-8-to-4', 'student']
    cfg = _scheduler(tmp_path / 'pd' / 'student')
    assert cfg['schedulers']['_']['diffusers_class'] == 'DDIMScheduler'
    assert cfg['schedulers']['_']['diffusers_config']['prediction_type'] == 'v_prediction'  # an ε teacher's student
    assert cfg['sampling_defaults'] == {'num_inference_steps': 2, 'guidance_scale': 1.0}  # folded in round 1, kept
    record = json.loads((tmp_path / 'pd' / 'student' / 'distillation.json').read_text())
    assert [r['folder'] for r in record['rounds']] == ['round-8-to-4', 'round-4-to-2']
    assert record['seconds'] == round(sum(r['seconds'] for r in record['rounds']), 1) > 0


@pytest.mark.parametrize('argv,expected', [
    (['--teacher', '{d}/nope', '--out', '{d}/o'], "No pipeline folder or shipped checkpoint"),
    (['--teacher', '{t}', '--out', '{d}/o', '--method', 'progressive', '--grid', '10'],
     "--grid is for --method consistency (drop it)"),
    (['--teacher', '{t}', '--out', '{d}/o', '--teacher-steps', '8'], "--teacher-steps is for --method progressive"),
    (['--teacher', '{t}', '--out', '{d}/o', '--method', 'progressive', '--steps', '4', '--teacher-steps', '12'],
     "teacher_steps=12 must be num_steps=4 times a power of 2"),
    (['--teacher', '{t}', '--out', '{d}/o', '--method', 'progressive', '--steps', '3'],
     "needs the teacher's 6 steps to divide its 1000 timesteps"),
    (['--teacher', '{t}', '--out', '{d}/o', '--grid', '2000'], "give a coarser grid"),
    (['--teacher', '{t}', '--out', '{d}/o', '--steps', '60'], "num_steps must be in [1, original_steps=50]"),
    (['--teacher', 'audio_fsdd', '--out', '{d}/o'], "holds a AudioPipeline, not a DigitsPipeline"),
    (['--teacher', '{t}', '--out', '{d}/o', '--method', 'sdtt'], "sdtt is for masked diffusion"),
    (['--teacher', '{t}', '--out', '{d}/o', '--teacher-calls', '4'], "--teacher-calls is for --method sdtt"),
])
def test_bad_input_is_one_line(teacher, tmp_path, argv, expected):
    r = run('distill', 'digits', *[a.format(d=tmp_path, t=teacher) for a in argv], '--train-steps', 2, cwd=tmp_path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    assert lines[0].startswith('multidiff distill digits: error: ') and expected in lines[0], lines[0]


def test_interrupted_run_resumes_to_the_same_student(teacher, tmp_path):
    args = ['distill', 'digits', '--teacher', teacher, '--steps', 2, '--train-steps', 400, '--batch-size', 16,
            '--grid', 10, '--config', tmp_path / 'cfg.json']
    (tmp_path / 'cfg.json').write_text(json.dumps({'ckpt_every': 5, 'log_every': 1}))
    assert run(*args, '--out', tmp_path / 'whole', '--no-progress', cwd=tmp_path).returncode == 0
    p = subprocess.Popen(CLI + [str(a) for a in args] + ['--out', str(tmp_path / 'cut')], stderr=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, env=ENV, cwd=tmp_path, text=True)
    t0 = time.time()
    while not (tmp_path / 'cut' / 'checkpoints').is_dir() and time.time() - t0 < 300: time.sleep(0.2)
    p.send_signal(signal.SIGINT); err = p.communicate(timeout=300)[1]
    assert p.returncode == 130 and 'continue with the same command and --resume' in err, err
    assert not (tmp_path / 'cut' / 'student').exists()
    r = run(*args, '--out', tmp_path / 'cut', '--no-progress', cwd=tmp_path)
    assert r.returncode == 2 and 'already holds' in r.stderr  # not trained over unasked
    assert run(*args, '--out', tmp_path / 'cut', '--resume', '--no-progress', cwd=tmp_path).returncode == 0
    from safetensors.torch import load_file
    a, b = (load_file(str(tmp_path / run_ / 'student' / 'unet' / 'diffusion_pytorch_model.safetensors'))
            for run_ in ('whole', 'cut'))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_molecules_sdtt_student_samples_with_its_own_call_count(tmp_path):
    "SDTT on the shipped QM9 model, a few steps on the bundled sample: a pipeline folder sampled at its 6 calls."
    r = run('distill', 'molecules', '--teacher', 'molecules_qm9', '--steps', 6, '--teacher-calls', 2, '--out',
            tmp_path / 'sd', '--train-steps', 3, '--batch-size', 16, '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"a 6-step sdtt student (guidance 1 folded in) in {tmp_path / 'sd'}/student" in r.stdout
    assert _scheduler(tmp_path / 'sd' / 'student')['sampling_defaults'] == {'num_inference_steps': 6, 'restarts': 0}
    record = json.loads((tmp_path / 'sd' / 'student' / 'distillation.json').read_text())
    assert (record['method'], record['num_steps'], record['teacher_calls']) == ('sdtt', 6, 2)
    calls = []
    from multidiff.molecules.pipeline import MoleculePipeline
    pipe = MoleculePipeline.from_pretrained(tmp_path / 'sd' / 'student'); pipe.set_progress_bar_config(disable=True)
    out = pipe(8, seed=0, callback_on_step_end=lambda p, i, t, kw: calls.append(i) or kw).smiles
    assert len(out) == 8 and len(calls) == 6  # its own call count, no restarts
    bad = run('distill', 'molecules', '--teacher', 'molecules_qm9', '--method', 'progressive', '--out', tmp_path / 'o',
              cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip() == ("multidiff distill molecules: error: --method progressive "
                                                          "does not fit molecules: its masked diffusion has no ODE to "
                                                          "distil (use --method sdtt)"), bad.stderr
