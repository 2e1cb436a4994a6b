"""AudioPipeline: the shipped checkpoint reproduces the pre-pipeline sampling functions (to float32 rounding: the references came from another CPU) (references in
tests/data, made by tools/make_legacy_references.py at 7aab36a; the audio ones made again there with the weights
re-shipped for issue 28), and a fresh model survives
to_pipeline -> save_pretrained -> from_pretrained with the same output."""
from pathlib import Path
from types import SimpleNamespace
import pytest
import torch
from multidiff.audio.model import audio_model
from multidiff.audio.pipeline import AudioPipeline
from multidiff.core.pipeline import MultidiffPipeline, StatePipeline


def same(a, b) -> bool:
    "Equal up to float32 rounding: the references were made on another CPU, whose kernels round differently."
    return torch.allclose(a, b, rtol=0, atol=1e-4)


@pytest.fixture(scope='module')
def refs(legacy): return legacy('audio')


@pytest.fixture(scope='module')
def shipped(load_shipped): return load_shipped(AudioPipeline, 'audio_fsdd')


def legacy_call(call: dict) -> dict:
    "A `generate_mels(model, labels, n, num_steps, seed, ...)` call as `AudioPipeline.__call__` arguments."
    kw = {'labels': call['labels'], 'num_waveforms': call.get('n', 1), 'num_inference_steps': call['num_steps'],
          'seed': call['seed'], 'output_type': 'mel',
          # the legacy loop's spacing and guidance (the pipeline now starts at pure noise and guides at 3, t < 0.5 T)
          'timestep_spacing': 'leading', 'guidance_interval': None, 'guidance_scale': 2.0}
    kw.update({k: call[k] for k in ('sampler', 'guidance_scale') if k in call})
    return kw


@pytest.mark.parametrize('name', ['labels', 'unconditional', 'ddim'])
def test_shipped_matches_legacy_generate_mels(shipped, refs, one_thread, name):
    tensors, meta = refs
    mels = shipped(**legacy_call(meta[name])).mels
    assert same(mels, tensors[f'audio.{name}']), (mels - tensors[f'audio.{name}']).abs().max()


def test_shipped_matches_legacy_inpaint(shipped, refs, one_thread):
    tensors, meta = refs
    c = meta['inpaint']
    out = shipped.inpaint(tensors['audio.inpaint_in'], c['start'], c['end'], label=c['label'],
                          num_inference_steps=c['num_steps'], seed=c['seed'], timestep_spacing='leading',
                          guidance_interval=None, guidance_scale=2.0).audios
    assert out.shape == (1, *tensors['audio.inpaint'].shape)
    assert same(out[0], tensors['audio.inpaint']), (out[0] - tensors['audio.inpaint']).abs().max()


def test_comparison_can_fail(shipped, refs, one_thread):
    "Another seed gives other mels: the equality above is not vacuous."
    tensors, meta = refs
    mels = shipped(**{**legacy_call(meta['labels']), 'seed': 1}).mels
    assert not same(mels, tensors['audio.labels'])


@pytest.fixture(scope='module')
def tiny():
    pipe = audio_model(channels=(8, 16, 16), seed=3).to_pipeline()
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_round_trip(tiny, tmp_path):
    tiny.save_pretrained(tmp_path / 'p')
    assert sorted(p.name for p in (tmp_path / 'p').iterdir()) == ['denoiser', 'model_index.json', 'scheduler']
    assert not list((tmp_path / 'p').rglob('*.bin'))  # safetensors only
    for back in (AudioPipeline.from_pretrained(tmp_path / 'p'), MultidiffPipeline.from_pretrained(tmp_path / 'p')):
        assert type(back) is AudioPipeline and back.codec.config == tiny.codec.config
        back.set_progress_bar_config(disable=True)
        a, b = (p([2, 5], num_inference_steps=3, seed=7) for p in (tiny, back))
        assert torch.equal(a.mels, b.mels) and torch.equal(a.audios, b.audios)
    model = back.to_model()
    assert type(model).__name__ == 'AudioDiffusion' and model.num_classes == 10
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), tiny.denoiser.parameters()))


def test_wrong_pipeline_class(tiny, tmp_path):
    tiny.save_pretrained(tmp_path / 'p')
    with pytest.raises(ValueError, match='holds a AudioPipeline, not a StatePipeline'):
        StatePipeline.from_pretrained(tmp_path / 'p')


def test_from_run(tmp_path):
    from multidiff.audio.model import train_audio
    mels, labels = torch.rand(8, 1, 128, 64) * 2 - 1, torch.arange(8) % 4
    model, trainer = train_audio((mels, labels), tmp_path / 'run', steps=2, batch_size=4, progress=False,
                                 channels=(8, 16, 16))
    pipe = AudioPipeline.from_run(tmp_path / 'run')
    assert pipe.config.num_classes == 4
    assert all(torch.equal(p, q) for p, q in zip(pipe.denoiser.parameters(), model.denoiser.parameters()))
    final = AudioPipeline.from_pretrained(tmp_path / 'run' / 'final')
    assert all(torch.equal(p, q) for p, q in zip(final.denoiser.parameters(), model.denoiser.parameters()))
    recipe = _recipe_module()  # its export copies final/ and describes the pipeline in the card
    exported = recipe.load_run(tmp_path / 'run')
    assert all(torch.equal(p, q) for p, q in zip(exported.denoiser.parameters(), model.denoiser.parameters()))
    recipe.args = SimpleNamespace(steps=2)  # the recipe's command line, which `card` reads
    title, body, _ = recipe.card(exported, {})
    assert any("AudioPipeline.from_pretrained('audio_fsdd')" in line for line in body)


def _recipe_module():
    import importlib.util, sys
    folder = Path(__file__).resolve().parents[1] / 'benchmarks' / 'recipes'
    sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location('audio_fsdd_recipe', folder / 'audio_fsdd.py')
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    return module
