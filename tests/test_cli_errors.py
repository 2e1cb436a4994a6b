"""Every class of user mistake, through the `multidiff` console script in a subprocess: one line on stderr,
`multidiff <command>: error: <what> (<how to fix>)`, a non-zero exit, no traceback, and an existing output
left byte for byte as it was. Ctrl-C ends in one line and exit 130 with nothing half-written.

`python tests/test_cli_errors.py` prints the table of cases and what each prints (for the issue note)."""
import os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest

CLI = [sys.executable, '-m', 'multidiff']
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}


def _files(d:Path):
    "What a case's folder holds before the command runs."
    (d / 'exists.png').write_bytes(b'old output, must survive')
    (d / 'exists.smi').write_bytes(b'CCO\n')
    (d / 'clips').mkdir(); (d / 'clips' / 'clip_000.npy').write_bytes(b'old clip')
    (d / 'wavs').mkdir(); (d / 'wavs' / '3_000.wav').write_bytes(b'old wav')
    (d / 'folder').mkdir()
    (d / 'empty.npz').write_bytes(b'')
    np.savez(d / 'good.npz', images=np.zeros((20, 8, 8)), labels=np.arange(20) % 10)
    (d / 'trunc.npz').write_bytes((d / 'good.npz').read_bytes()[:300])
    (d / 'photo.npz').write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(64))
    (d / 'empty.npy').write_bytes(b'')
    np.save(d / 'noframes.npy', np.zeros((0, 32, 32), np.uint8))
    np.save(d / 'my.npy', np.zeros((4, 28, 28), np.uint8))
    (d / 'bad.json').write_text('{"lr": 1e-3,')
    (d / 'in.png').write_bytes(_png())
    (d / 'run' / 'checkpoints' / 'step_2').mkdir(parents=True)


def _png():
    import io
    from PIL import Image
    b = io.BytesIO(); Image.new('RGB', (8, 8), (10, 200, 30)).save(b, format='PNG'); return b.getvalue()


# (class of mistake, argv with {d} for the case's folder, text the one line must contain, exit code)
CASES = [
    ('number out of range', 'sample video --frames 0 --out {d}/v', "argument --frames: got '0' (give a whole number >= 1)", 2),
    ('number out of range', 'sample video --frames -4 --out {d}/v', "got '-4' (give a whole number >= 1)", 2),
    ('number out of range', 'upscale {d}/in.png {d}/o.png --noise-level 5', "got '5' (give a number >= 0 and <= 0.1)", 2),
    ('number out of range', 'sample audio --guidance-scale -5 --out {d}/w', "--guidance-scale: got '-5' (give a number >= 0)", 2),
    ('number out of range', 'train digits --batch-size 0 --out {d}/r', "--batch-size: got '0'", 2),
    ('number out of range', 'train sr --lr 0 --out {d}/r', "--lr: got '0' (give a number > 0)", 2),
    ('not a number', 'sample molecules --n many --out {d}/m.smi', "--n: got 'many' (give a whole number >= 1)", 2),
    ('steps beyond the model', 'sample molecules --n 2 --steps 100000 --out {d}/m.smi',
     "--steps 100000 is more than the model's 1000 training timesteps (give 1 to 1000)", 2),
    ('steps beyond the model', 'upscale {d}/in.png {d}/o.png --steps 5000', 'training timesteps (give 1 to', 2),
    ('missing argument', 'train digits', 'the following arguments are required: --out (see multidiff train digits --help)', 2),
    ('unknown choice', 'train molecules --transition foo --out {d}/r', "invalid choice: 'foo'", 2),
    ('missing input', 'upscale {d}/nothere.png {d}/o.png', 'input {d}/nothere.png does not exist', 2),
    ('missing input', 'train audio --data {d}/nothere --out {d}/r', '--data {d}/nothere does not exist', 2),
    ('input of the wrong kind', 'train digits --data {d}/folder --out {d}/r', 'is a folder (give an .npz', 2),
    ('input of the wrong kind', 'train video --data {d}/my.npy --out {d}/r', 'is a file (give a folder of clips (GIF, MP4, .npy or folders of frames) or one holding MNIST', 2),
    ('input of the wrong kind', 'train audio --data {d}/good.npz --out {d}/r', 'is a file (give a folder of clips', 2),
    ('empty input', 'train digits --data {d}/empty.npz --out {d}/r', '--data {d}/empty.npz is empty', 2),
    ('empty input', 'sample video --context {d}/empty.npy --out {d}/v', '--context {d}/empty.npy is empty', 2),
    ('damaged input', 'train digits --data {d}/trunc.npz --out {d}/r --no-progress', 'not a readable .npz archive', 2),
    ('damaged input', 'train digits --data {d}/photo.npz --out {d}/r --no-progress', 'not a readable .npz archive', 2),
    ('damaged input', 'sample video --context {d}/noframes.npy --out {d}/v --no-progress', 'holds no frames', 2),
    ('damaged input', 'train digits --config {d}/bad.json --out {d}/r', 'is not valid JSON', 2),
    ('output onto a folder', 'upscale {d}/in.png {d}/folder', 'output {d}/folder is a folder (give a file name', 2),
    ('output onto a folder', 'sample molecules --n 2 --out {d}/folder', 'is a folder (give a file name, e.g.', 2),
    ('output with an unknown suffix', 'upscale {d}/in.png {d}/o.xyz', 'the unknown suffix .xyz (end it in .png', 2),
    ('output with an unknown suffix', 'sample digits --checkpoint x --out {d}/grid', 'has no suffix (end it in .png', 2),
    ('unwritable output', 'upscale {d}/in.png /proc/multidiff/o.png', '/proc is not writable', 2),
    ('unwritable output', 'sample molecules --n 2 --out {d}/exists.png/m.smi', 'is a file (choose another path)', 2),
    ('existing output', 'upscale {d}/in.png {d}/exists.png', 'already exists (pass --overwrite', 2),
    ('existing output', 'sample molecules --n 2 --out {d}/exists.smi', 'already exists (pass --overwrite', 2),
    ('existing output', 'sample video --out {d}/clips', 'already holds clip_000.npy (pass --overwrite', 2),
    ('existing output', 'sample audio --label 3 --out {d}/wavs', 'already holds 3_000.wav (pass --overwrite', 2),
    ('existing run', 'train digits --out {d}/run', 'already holds a run\'s checkpoints (continue it with --resume', 2),
    ('model of the wrong kind', 'sample audio --checkpoint video_mmnist --out {d}/w', 'holds a VideoPipeline', 2),
    ('model of the wrong kind', 'upscale {d}/in.png {d}/o.png --checkpoint {d}/folder', '', 2),
    ('unknown option value', 'sample audio --sampler foo --out {d}/w --no-progress', "Unknown sampler 'foo'", 2),
    ('unknown option value', 'sample molecules --n 2 --property mu --out {d}/m.smi', "is not NAME=VALUE", 2),
    ('number out of range', 'edit image {d}/in.png --checkpoint x --prompt a --strength 0 --out {d}/o.png',
     "argument --strength: got '0' (give a number > 0 and <= 1)", 2),
    ('conflicting options', 'edit image {d}/in.png --checkpoint x --prompt a --strength 0.5 --outpaint left=8 '
     '--out {d}/o.png', 'argument --outpaint: not allowed with argument --strength', 2),
    ('unknown option value', 'edit image {d}/in.png --checkpoint x --prompt a --outpaint middle=8 --out {d}/o.png',
     "got 'middle=8' (give side=pixels pairs", 2),
    ('input of the wrong kind', 'edit image {d}/in.png --checkpoint x --prompt a --mask {d}/exists.png --out {d}/o.png',
     'exists.png is not an image Pillow can read', 2),
    ('missing argument', 'train image --out {d}/r', 'the following arguments are required: --vae', 2),
    ('input of the wrong kind', 'train image --vae {d}/folder --out {d}/r', 'holds no AutoencoderKL config.json', 2),
]


def run(argv:str, d:Path, timeout=300):
    return subprocess.run(CLI + argv.format(d=d).split(), capture_output=True, text=True, env=ENV, timeout=timeout,
                          cwd=d)


def _snapshot(d:Path) -> dict:
    return {p: p.read_bytes() for p in d.rglob('*') if p.is_file()}


@pytest.mark.parametrize('kind,argv,expected,code', CASES, ids=[f'{c[0]}: {c[1]}' for c in CASES])
def test_one_line_error(tmp_path, kind, argv, expected, code):
    _files(tmp_path); before = _snapshot(tmp_path)
    r = run(argv, tmp_path)
    lines = r.stderr.strip().splitlines()
    cmd = ' '.join(w for w in argv.split()[:2] if not w.startswith('{'))
    if argv.split()[0] in ('upscale', 'demo'): cmd = argv.split()[0]
    assert r.returncode == code, (r.returncode, r.stderr)
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    assert lines[0].startswith(f'multidiff {cmd}: error: '), lines[0]
    assert expected.format(d=tmp_path) in lines[0], lines[0]
    assert _snapshot(tmp_path) == before  # nothing existing changed, nothing new written


def _interrupt(argv:str, d:Path, wait_for:str='it/s', most:float=120):
    "Start the command, send Ctrl-C once its progress bar moves, and return (exit code, stderr)."
    import threading
    # SIGINT back to its default in the child: a runner started in the background (`cmd &`, nohup) passes it on
    # ignored, and Python then never raises KeyboardInterrupt, so Ctrl-C would test nothing
    p = subprocess.Popen(CLI + argv.format(d=d).split(), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         env=ENV, cwd=d, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: p.stderr.read1(4096), b'')), daemon=True)
    reader.start()
    t0 = time.time()
    while wait_for.encode() not in b''.join(chunks) and time.time() - t0 < most and p.poll() is None:
        time.sleep(0.2)
    assert p.poll() is None, f"finished before it could be interrupted: {b''.join(chunks)[-500:]}"
    p.send_signal(signal.SIGINT)
    p.wait(timeout=120); reader.join(timeout=10)
    return p.returncode, b''.join(chunks).decode(errors='replace').replace('\r', '\n')


def test_ctrl_c_while_sampling_keeps_existing_outputs(tmp_path):
    _files(tmp_path); before = _snapshot(tmp_path)
    rc, err = _interrupt('sample video --out {d}/clips --overwrite --n 2 --steps 1000', tmp_path)
    assert rc == 130, err
    assert err.strip().splitlines()[-1] == 'multidiff sample video: interrupted (nothing was written)', err
    assert 'Traceback' not in err
    assert _snapshot(tmp_path) == before  # the clip it was asked to overwrite is intact, no temporary left


def test_ctrl_c_while_upscaling_keeps_the_existing_output(tmp_path):
    from PIL import Image
    _files(tmp_path)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(tmp_path / 'big.png')
    before = _snapshot(tmp_path)
    rc, err = _interrupt('upscale {d}/big.png {d}/exists.png --overwrite --steps 50', tmp_path)
    assert rc == 130, err
    assert err.strip().splitlines()[-1] == 'multidiff upscale: interrupted (nothing was written)', err
    assert 'Traceback' not in err and _snapshot(tmp_path) == before


def test_ctrl_c_while_training_saves_a_checkpoint_to_resume(tmp_path):
    rc, err = _interrupt('train digits --out {d}/r --steps 100000', tmp_path)
    assert rc == 130, err
    last = err.strip().splitlines()[-1]
    assert last.startswith('multidiff train digits: interrupted at step '), err
    assert 'continue with the same command and --resume' in last and 'Traceback' not in err
    assert any((tmp_path / 'r' / 'checkpoints').iterdir())


def test_help_and_argument_errors_import_nothing_heavy():
    "`--help` and argument errors come back before torch, diffusers or rdkit is imported."
    code = ("import sys; from multidiff.cli import main; rc = main(sys.argv[1:]); "
            "heavy = [m for m in ('torch', 'diffusers', 'rdkit', 'librosa') if m in sys.modules]; "
            "print(heavy, file=sys.stderr); sys.exit(rc)")
    for argv in (['sample', 'audio', '--help'], ['upscale', 'a.png', 'b.png', '--noise-level', '9'],
                 ['train', 'molecules', '--out', 'x', '--steps', '0'], ['edit', 'image', '--help'],
                 ['edit', 'image', 'a.png', '--checkpoint', 'x', '--prompt', 'a', '--strength', '0', '--out', 'o.png']):
        r = subprocess.run([sys.executable, '-c', code, *argv], capture_output=True, text=True, env=ENV)
        assert r.stderr.strip().endswith('[]'), (argv, r.stderr)


if __name__ == '__main__':  # the table for the issue note: class, command, exit code, the line it prints
    import tempfile
    print('| mistake | command | exit | prints |\n|---|---|---|---|')
    for kind, argv, _, _ in CASES:
        with tempfile.TemporaryDirectory() as d:
            _files(Path(d)); r = run(argv, Path(d))
            line = r.stderr.strip().splitlines()[-1].replace(d, 'D') if r.stderr.strip() else ''
            print(f"| {kind} | `multidiff {argv.replace('{d}', 'D')}` | {r.returncode} | `{line}` |")
