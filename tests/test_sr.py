"""Super-resolution end to end: the `multidiff upscale` contract (size, reproducibility, image forms), bad input, the
benchmark protocol against the published bicubic number, and the shipped checkpoint against bicubic on Set5."""
import numpy as np
import pytest
import torch
from PIL import Image
from multidiff.cli import main
from multidiff.image.io import read_image, degrade, bicubic_resize
from multidiff.image.metrics import psnr_y
from multidiff.image.sr_pipeline import SuperResolutionPipeline
from multidiff.core.checkpoint import shared_dir

SET5 = shared_dir() / 'data' / 'sr' / 'Set5'
needs_set5 = pytest.mark.skipif(not SET5.is_dir(), reason=f"Set5 is read from the shared folder ({SET5}), which is absent")


@pytest.fixture(scope='module')
def photo(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp('img') / 'in.png'
    Image.fromarray(rng.integers(0, 256, (20, 28, 3), dtype=np.uint8)).save(path)
    return path


def test_upscale_cli_size_and_seed(photo, tmp_path):
    run = lambda out, seed: main(['upscale', str(photo), str(tmp_path / out), '--scale', '4', '--steps', '3', '--seed', str(seed)])
    assert run('a.png', 0) == 0 and run('b.png', 0) == 0 and run('c.png', 1) == 0
    a, b, c = (np.asarray(Image.open(tmp_path / f)) for f in ('a.png', 'b.png', 'c.png'))
    assert a.shape == (80, 112, 3)  # exactly 4x the input
    assert (a == b).all() and not (a == c).all()  # same seed, same output; another seed, another sample


def test_upscale_cli_keeps_the_image_form(tmp_path):
    forms = {'L': np.full((12, 10), 90, np.uint8), 'RGBA': np.dstack([np.full((12, 10, 3), 120, np.uint8), np.tile(np.linspace(0, 255, 10), (12, 1)).astype(np.uint8)]),
             'P': None, 'I;16': (np.arange(120).reshape(12, 10) * 500).astype(np.uint16)}
    for mode, arr in forms.items():
        im = Image.fromarray(np.full((12, 10, 3), 60, np.uint8)).convert('P') if arr is None else Image.fromarray(arr)
        im.save(tmp_path / f'{mode[0]}.png')
        assert main(['upscale', str(tmp_path / f'{mode[0]}.png'), str(tmp_path / f'{mode[0]}_x4.png'), '--steps', '2']) == 0
        out = Image.open(tmp_path / f'{mode[0]}_x4.png')
        assert out.size == (40, 48)
        assert out.mode[0] == {'L': 'L', 'RGBA': 'R', 'P': 'P', 'I;16': 'I'}[mode]  # palette comes back on its palette
    alpha = np.asarray(Image.open(tmp_path / 'R_x4.png'))[..., 3].astype(float)
    assert alpha[:, :4].mean() < alpha[:, -4:].mean() - 100  # the alpha ramp survives (bicubically upscaled)


def test_upscale_bad_input(tmp_path, photo, capsys):
    (tmp_path / 'text.png').write_text('not an image')
    (tmp_path / 'empty.png').write_bytes(b'')
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(tmp_path / 'full.jpg')
    full = (tmp_path / 'full.jpg').read_bytes(); (tmp_path / 'cut.jpg').write_bytes(full[:len(full) // 2])
    cases = {'text.png': 'not an image', 'empty.png': 'empty', 'cut.jpg': 'truncated', 'missing.png': 'does not exist'}
    for name, msg in cases.items():
        assert main(['upscale', str(tmp_path / name), str(tmp_path / 'o.png')]) == 2
        assert msg in capsys.readouterr().err
    assert main(['upscale', str(photo), str(tmp_path / 'o.png'), '--scale', '2']) == 2
    assert 'not x2' in capsys.readouterr().err
    assert not (tmp_path / 'o.png').exists()  # nothing half-written
    one = tmp_path / 'one.png'; Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(one)
    assert main(['upscale', str(one), str(tmp_path / 'o.png')]) == 2 and 'at least 2x2' in capsys.readouterr().err


@needs_set5
def test_bicubic_protocol_reproduces_the_published_number():
    vals = []
    for f in sorted(SET5.glob('*.png')):
        hr = read_image(f).rgb; lr = degrade(hr, 4)
        vals.append(psnr_y((bicubic_resize(lr, hr.shape[-2:]).clamp(0, 1) * 255).round() / 255, hr, 4).item())
    assert abs(np.mean(vals) - 28.42) < 0.05, vals  # Set5 x4 bicubic as published (EDSR/SwinIR tables)


@needs_set5
def test_shipped_checkpoint_beats_bicubic_on_set5():
    pipe = SuperResolutionPipeline.from_pretrained('sr_x4')
    pipe.set_progress_bar_config(disable=True)
    hr = read_image(sorted(SET5.glob('*.png'))[1]).rgb  # 'bird', 288x288
    lr = degrade(hr, 4)
    sr = pipe(lr, num_inference_steps=1, seed=0).images[0]  # the default: the posterior mean
    gain = psnr_y(sr, hr, 4).item() - psnr_y(bicubic_resize(lr, hr.shape[-2:]).clamp(0, 1), hr, 4).item()
    assert gain > 0.6, gain  # measured +1.05 dB on this image
