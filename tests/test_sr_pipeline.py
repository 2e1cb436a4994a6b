"""SuperResolutionPipeline: the shipped checkpoint reproduces the pre-pipeline sampling functions bit for bit
(tests/data/legacy_references.*, made by tools/make_legacy_references.py at 7aab36a), a fresh model survives
to_pipeline -> save_pretrained -> from_pretrained unchanged, and a folder of another pipeline class is refused."""
import json
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from multidiff.core.pipeline import MultidiffPipeline, StatePipeline
from multidiff.image.io import bicubic_resize
from multidiff.image.sr import SRDiffusion, sr_model, train_sr
from multidiff.image.sr_pipeline import SuperResolutionPipeline





def quiet(pipe):
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope='module')
def tiny():
    return sr_model(4, channels=(32, 64), layers_per_block=1, seed=3).eval()


def test_shipped_checkpoint_reproduces_the_legacy_references(one_thread, legacy_tensors, legacy_meta):
    refs, calls = legacy_tensors, legacy_meta['sr']
    pipe = quiet(SuperResolutionPipeline.from_pretrained('sr_x4'))
    assert set(calls) == {'one_step', 'tiled', 'noisy'}
    for name, call in calls.items():  # upscale_tensor(m, lr, num_steps=n, ...) -> pipe(lr, num_inference_steps=n, ...)
        call = dict(call); steps = call.pop('num_steps')
        out = pipe(refs['sr.lr'], num_inference_steps=steps, **call).images
        # float32 rounding only: the references came from another CPU, whose kernels round differently
        assert torch.allclose(out, refs[f'sr.{name}'], rtol=0, atol=1e-4), (name, (out - refs[f'sr.{name}']).abs().max().item())


def test_shipped_folder_is_a_pipeline_folder_with_safetensors_only():
    root = Path(__file__).resolve().parents[1] / 'multidiff' / 'pretrained' / 'sr_x4'
    assert sorted(p.name for p in root.iterdir()) == ['README.md', 'denoiser', 'model_index.json', 'scheduler']
    assert json.loads((root / 'model_index.json').read_text())['_class_name'] == 'SuperResolutionPipeline'
    assert "SuperResolutionPipeline.from_pretrained('sr_x4')" in (root / 'README.md').read_text()
    keys = load_file(str(root / 'denoiser' / 'diffusion_pytorch_model.safetensors')).keys()
    assert keys and all(k.startswith('unet.') for k in keys)


def test_round_trip_keeps_the_output(tiny, tmp_path, one_thread):
    pipe = quiet(tiny.to_pipeline())
    assert isinstance(pipe, SuperResolutionPipeline) and pipe.denoiser is tiny.denoiser
    lr = torch.rand(2, 3, 7, 9, generator=torch.Generator().manual_seed(0))
    kw = dict(num_inference_steps=3, seed=5, tile=16, overlap=4, noise_level=0.02)
    before = pipe(lr, **kw).images
    pipe.save_pretrained(tmp_path / 'sr')
    back = quiet(SuperResolutionPipeline.from_pretrained(tmp_path / 'sr'))
    assert torch.equal(back(lr, **kw).images, before)
    generic = quiet(MultidiffPipeline.from_pretrained(tmp_path / 'sr'))  # the class named in model_index.json
    assert type(generic) is SuperResolutionPipeline and torch.equal(generic(lr, **kw).images, before)
    model = back.to_model()
    assert isinstance(model, SRDiffusion) and model.denoiser is back.denoiser
    assert (model.residual_scale, model.aug_max, model.aug_prob) == (tiny.residual_scale, tiny.aug_max, tiny.aug_prob)
    assert not torch.equal(pipe(lr, **{**kw, 'seed': 6}).images, before)  # the comparison can fail


def test_wrong_pipeline_class_is_refused(tiny, tmp_path):
    StatePipeline(tiny.denoiser, tiny.scheduler).save_pretrained(tmp_path / 'state')
    with pytest.raises(ValueError, match='holds a StatePipeline, not a SuperResolutionPipeline'):
        SuperResolutionPipeline.from_pretrained(tmp_path / 'state')
    tiny.to_pipeline().save_pretrained(tmp_path / 'sr')
    with pytest.raises(ValueError, match='holds a SuperResolutionPipeline, not a StatePipeline'):
        StatePipeline.from_pretrained(tmp_path / 'sr')


def test_outputs_generator_and_callback(tiny):
    pipe = quiet(tiny.to_pipeline())
    lr = torch.rand(3, 6, 8, generator=torch.Generator().manual_seed(1))
    pt = pipe(lr, num_inference_steps=2, seed=4).images
    assert pt.shape == (1, 3, 24, 32)
    assert torch.equal(pipe(lr, num_inference_steps=2, generator=[torch.Generator().manual_seed(4)]).images, pt)
    as_np = pipe(lr, num_inference_steps=2, seed=4, output_type='np').images
    assert np.array_equal(as_np, pt.permute(0, 2, 3, 1).numpy())
    gray = Image.fromarray((lr[0].numpy() * 255).astype(np.uint8))  # a grayscale PIL input comes back grayscale
    out = pipe(gray, num_inference_steps=1, output_type='pil').images
    assert len(out) == 1 and out[0].mode == 'L' and out[0].size == (32, 24)
    seen = []
    pipe(lr, num_inference_steps=4, seed=0, callback_on_step_end=lambda p, i, t, kw: seen.append(i) or {})
    assert seen == [0, 1, 2, 3]
    zero = lambda p, i, t, kw: {'latents': torch.zeros_like(kw['latents'])}  # a callback may replace the state
    zeroed = pipe(lr, num_inference_steps=2, seed=0, callback_on_step_end=zero).images
    assert torch.equal(zeroed, bicubic_resize(lr, (24, 32)).clamp(0, 1)[None])  # a zero residual: bicubic


def test_from_run_and_fine_tuning_from_a_folder(tmp_path):
    photos = sorted((Path(__file__).resolve().parents[1] / 'data' / 'photos').glob('*.png'))
    model, trainer = train_sr(photos, tmp_path / 'run', crop=32, steps=4, batch_size=2, lr=1e-3, progress=False,
                              channels=(32, 64), layers_per_block=1, config={'ckpt_every': 2})
    lr = torch.rand(3, 6, 8, generator=torch.Generator().manual_seed(2))
    ref = quiet(model.to_pipeline())(lr, num_inference_steps=2).images
    run, final = SuperResolutionPipeline.from_run(tmp_path / 'run'), SuperResolutionPipeline.from_pretrained(tmp_path / 'run' / 'final')
    assert torch.equal(quiet(run)(lr, num_inference_steps=2).images, ref)
    assert torch.equal(quiet(final)(lr, num_inference_steps=2).images, ref)
    step2 = tmp_path / 'run' / 'checkpoints' / 'step-00000002'
    early = quiet(SuperResolutionPipeline.from_run(tmp_path / 'run', checkpoint=step2))
    assert not torch.equal(early(lr, num_inference_steps=2).images, ref)
    ft, _ = train_sr(photos, tmp_path / 'ft', crop=32, steps=1, batch_size=2, lr=1e-9, progress=False,
                     init=tmp_path / 'run' / 'final', high_noise_fraction=0.5)
    assert ft.high_noise_fraction == 0.5
    assert SuperResolutionPipeline.from_pretrained(tmp_path / 'ft' / 'final').config.high_noise_fraction == 0.5
    with pytest.raises(ValueError, match='keeps the architecture'):
        train_sr(photos, tmp_path / 'ft2', init=tmp_path / 'run' / 'final', channels=(8,))
