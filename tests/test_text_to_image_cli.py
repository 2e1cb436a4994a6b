"""Text to image from the shell (issue 23): the shipped checkpoint through `multidiff sample image` and
`multidiff edit image`, and users' folders through `multidiff train vae` / `train image`, with every bad input of
the issue answered by one line: an empty or missing data folder, a metadata file naming missing images, an unreadable
image, a mask of the wrong size or not black and white, an unknown word in a prompt, a strength outside (0, 1]."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

CLI = [sys.executable, '-m', 'multidiff']
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / 'multidiff' / 'pretrained' / 'text_to_image_shapes'
FAST = ['--steps', '3', '--no-progress']
needs_shipped = pytest.mark.skipif(not (SHIPPED / 'model_index.json').exists(), reason='no shipped checkpoint')


def run(args, cwd):
    r = subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=600)
    assert 'Traceback' not in r.stderr, r.stderr
    return r


def one_line_error(r, *parts):
    "Exit 2 and exactly one error line on stderr holding every part (any other line a one-line warning)."
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    errors = [l for l in lines if ': error: ' in l]
    assert len(errors) == 1 and errors[0].startswith('multidiff '), r.stderr
    assert all(': warning: ' in l for l in lines if l not in errors), r.stderr
    for p in parts: assert p in errors[0], (p, errors[0])


def png(path, arr):
    Image.fromarray(np.asarray(arr, np.uint8)).save(path); return path


@pytest.fixture(scope='module')
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp('t2i')
    from multidiff.image.shapes import parse_caption, render
    png(d / 'scene.png', render(parse_caption('a red circle to the left of a blue square')))
    half = np.zeros((64, 64), np.uint8); half[:, 32:] = 255
    png(d / 'mask.png', half)
    png(d / 'small_mask.png', half[:32, :32])
    grey = half.copy(); grey[:, 30:32] = 128  # anti-aliased edge: reported, thresholded
    png(d / 'grey_mask.png', grey)
    (d / 'empty').mkdir()
    bad = d / 'bad'; bad.mkdir()  # 6 good images, one row naming a missing file, one unreadable file
    sample = sorted((ROOT / 'data' / 'shapes_sample').glob('*.png'))[:7]
    rows = [json.loads(l) for l in (ROOT / 'data' / 'shapes_sample' / 'metadata.jsonl').read_text().splitlines()]
    for p in sample: shutil.copy(p, bad / p.name)
    (bad / sample[3].name).write_bytes(b'not a png')
    rows = [r for r in rows if r['file_name'] in {p.name for p in sample}] + [{'file_name': 'gone.png', 'text': 'a red circle'}]
    (bad / 'metadata.jsonl').write_text('\n'.join(json.dumps({'file_name': r['file_name'], 'text': r['text']}) for r in rows))
    return d


@needs_shipped
def test_sample_same_seed_same_output_and_unknown_words_said_once(d):
    args = ['sample', 'image', '--prompt', 'a large red zebra in the middle zebra', '--n', '2', '--seed', '5', *FAST]
    r1, r2 = run(args + ['--out', d / 's1'], d), run(args + ['--out', d / 's2'], d)
    assert r1.returncode == 0, r1.stderr
    warns = [l for l in r1.stderr.splitlines() if 'warning' in l]
    assert len(warns) == 1 and warns[0].count('zebra') == 1, r1.stderr  # one line, the word once
    names = ['image_000.png', 'image_001.png', 'grid.png']
    assert sorted(p.name for p in (d / 's1').iterdir()) == sorted(names)
    for n in names: assert (d / 's1' / n).read_bytes() == (d / 's2' / n).read_bytes()
    assert (d / 's1' / 'image_000.png').read_bytes() != (d / 's1' / 'image_001.png').read_bytes()


@needs_shipped
def test_inpaint_keeps_the_outside_and_reports_grey_masks(d):
    r = run(['edit', 'image', d / 'scene.png', '--prompt', 'a red circle to the left of a white cross',
             '--mask', d / 'grey_mask.png', '--out', d / 'inpainted.png', *FAST], d)
    assert r.returncode == 0, r.stderr
    assert 'note: --mask has 128 grey pixel(s)' in r.stderr, r.stderr
    src, out = np.asarray(Image.open(d / 'scene.png')), np.asarray(Image.open(d / 'inpainted.png'))
    assert np.array_equal(src[:, :30], out[:, :30])  # everything the mask keeps, to the bit (grey 128 > 50%: redrawn)
    assert not np.array_equal(src[:, 32:], out[:, 32:])


@needs_shipped
@pytest.mark.parametrize('mode', [['--strength', '0.5'], ['--outpaint', 'left=16']])
def test_img2img_and_outpaint_write_images(d, mode):
    out = d / f"edit_{mode[0].strip('-')}.png"
    r = run(['edit', 'image', d / 'scene.png', '--prompt', 'a blue square to the left of a blue square', *mode,
             '--out', out, *FAST], d)
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == ((80 if 'outpaint' in mode[0] else 64), 64)


@needs_shipped
def test_mask_of_the_wrong_size(d):
    one_line_error(run(['edit', 'image', d / 'scene.png', '--prompt', 'a red circle', '--mask', d / 'small_mask.png',
                        '--out', d / 'x.png', *FAST], d), '--mask', 'is 32x32 but the input is 64x64')
    assert not (d / 'x.png').exists()


@pytest.mark.parametrize('strength', ['0', '1.5', '-0.2', 'half'])
def test_strength_outside_0_1(d, strength):
    one_line_error(run(['edit', 'image', d / 'scene.png', '--prompt', 'a', '--strength', strength,
                        '--out', d / 'x.png'], d), f"argument --strength: got '{strength}'")


@pytest.mark.parametrize('cmd', [['train', 'vae'], ['train', 'image', '--vae', 'unused']])
def test_empty_or_missing_data_folder(d, cmd):
    if 'image' in cmd:  # --vae is checked first: give a real (untrained) one
        from multidiff.image.vae import small_vae
        if not (d / 'vae' / 'config.json').exists(): small_vae().save_pretrained(d / 'vae')
        cmd = ['train', 'image', '--vae', d / 'vae']
    one_line_error(run([*cmd, '--data', d / 'empty', '--out', d / 'r'], d), 'empty', 'metadata.jsonl')
    one_line_error(run([*cmd, '--data', d / 'nothere', '--out', d / 'r'], d), 'does not exist')
    assert not (d / 'r').exists()


def test_bad_files_are_reported_not_dropped_silently(d):
    r = run(['train', 'vae', '--data', d / 'bad', '--out', d / 'rv', '--steps', '2', '--batch-size', '2',
             '--no-progress'], d)
    assert r.returncode == 0, r.stderr
    warn = [l for l in r.stderr.splitlines() if ': warning: ' in l]
    assert len(warn) == 1 and 'skipped 2 of' in warn[0], r.stderr
    assert 'gone.png: no such image' in warn[0] and 'is not an image Pillow can read' in warn[0]
    assert 'trained on 6 images' in r.stdout and '2 skipped' in r.stdout, r.stdout


def test_resume_with_another_architecture_is_one_line(d):
    from multidiff.image.vae import small_vae
    if not (d / 'vae' / 'config.json').exists(): small_vae().save_pretrained(d / 'vae')
    base = ['train', 'image', '--data', d / 'bad', '--vae', d / 'vae', '--out', d / 'ri', '--batch-size', '2',
            '--channels', '32,32', '--text-width', '32', '--text-layers', '1', '--no-progress']
    r = run([*base, '--steps', '2'], d)
    assert r.returncode == 0, r.stderr
    one_line_error(run([*base[:-5], '--text-width', '64', '--text-layers', '1', '--no-progress', '--steps', '4',
                        '--resume'], d), 'has another unet', 'cross_attention_dim: 32 there, 64 now',
                   'resume with the options it was started with')
    r = run([*base, '--steps', '4', '--resume'], d)  # the same options continue
    assert r.returncode == 0 and 'step 4' in r.stdout, r.stderr
