"""Structure control from the shell (issue 25): `multidiff sample image --control MAP [--control-scale S]
[--controlnet NAME]` with the shipped edge branch; scale 0 is the uncontrolled model exactly; a control map of the
wrong size, a missing map and an unknown branch are each one line."""
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
BRANCH = ROOT / 'multidiff' / 'pretrained' / 'text_to_image_shapes-edges'
FAST = ['--steps', '3', '--no-progress', '--n', '1']
needs_branch = pytest.mark.skipif(not (BRANCH / 'config.json').exists(), reason='no shipped control branch')
from test_text_to_image_cli import run, one_line_error  # the shell helpers the text-to-image CLI tests use


@pytest.fixture(scope='module')
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp('control')
    from multidiff.image.control import control_maps
    from multidiff.image.shapes import Obj, Scene
    m = control_maps('edges', [Scene([Obj('square', 'red', 'large', (30, 34))], 'middle')])[0, 0].numpy()
    Image.fromarray((m * 255).astype(np.uint8)).save(d / 'edges.png')
    Image.fromarray((m[:32, :32] * 255).astype(np.uint8)).save(d / 'small.png')
    return d


def image(folder): return np.asarray(Image.open(folder / 'image_000.png'))


@needs_branch
def test_control_steers_and_scale_0_is_the_plain_model(d):
    prompt = ['--prompt', 'a large blue square in the middle']
    assert run(['sample', 'image', *prompt, *FAST, '--out', d / 'plain'], d).returncode == 0
    r = run(['sample', 'image', *prompt, *FAST, '--control', d / 'edges.png', '--control-scale', '0', '--out', d / 'zero'], d)
    assert r.returncode == 0, r.stderr
    assert (image(d / 'zero') == image(d / 'plain')).all()  # exactly the uncontrolled model
    r = run(['sample', 'image', *prompt, *FAST, '--control', d / 'edges.png', '--out', d / 'one'], d)
    assert r.returncode == 0, r.stderr
    assert np.abs(image(d / 'one').astype(int) - image(d / 'plain').astype(int)).max() > 10  # the map moved it


@needs_branch
def test_control_map_of_the_wrong_size(d):
    r = run(['sample', 'image', '--prompt', 'a red circle', *FAST, '--control', d / 'small.png', '--out', d / 'x'], d)
    one_line_error(r, '64, 64', 'resize')


def test_missing_map_and_unknown_branch(d):
    r = run(['sample', 'image', '--prompt', 'a red circle', *FAST, '--control', d / 'gone.png', '--out', d / 'y'], d)
    one_line_error(r, '--control', 'does not exist')
    r = run(['sample', 'image', '--prompt', 'a red circle', *FAST, '--control', d / 'edges.png',
             '--controlnet', 'no-such-branch', '--out', d / 'z'], d)
    one_line_error(r, '--controlnet', 'No control branch')
