"""VideoPipeline: the shipped checkpoint reproduces the pre-pipeline sampling functions bit for bit (references in
tests/data, made by tools/make_legacy_references.py at 7aab36a: predict_video, generate_video, interpolate_video), and a
fresh model survives to_pipeline -> save_pretrained -> from_pretrained with the same output."""
from pathlib import Path
import pytest
import torch
from safetensors.torch import load_file
from multidiff.core.pipeline import MultidiffPipeline, StatePipeline
from multidiff.video.model import video_model, VideoDiffusion, FrameTranslator
from multidiff.video.pipeline import VideoPipeline


@pytest.fixture(scope='module')
def refs(legacy): return legacy('video')


@pytest.fixture(scope='module')
def shipped(load_shipped): return load_shipped(VideoPipeline, 'video_mmnist')


def same(a, b) -> bool:
    "uint8 frames equal up to one level in at most 0.1% of pixels: the references came from another CPU, whose float32 kernels round differently."
    d = (a.int() - b.int()).abs()
    return bool(d.max() <= 1 and (d > 0).float().mean() <= 1e-3)


def predict(pipe, clips, call: dict) -> torch.Tensor:
    "`predict_video(model, clips[:, :5], frames, num_steps, seed)` as a pipeline call."
    steps = {'num_inference_steps': call['num_steps']} if 'num_steps' in call else {}
    return pipe(context=clips[:, :5], num_frames=call['frames'], seed=call['seed'], output_type='pt', **steps).frames


def test_shipped_matches_legacy_predict(shipped, refs, one_thread):
    tensors, meta = refs
    clips = tensors['video.clips']
    for name, rows in (('predict', slice(None)), ('predict_long', slice(0, 1))):
        out = predict(shipped, clips[rows], meta[name])
        assert same(out, tensors[f'video.{name}']), (name, (out.int() - tensors[f'video.{name}'].int()).abs().max())


def test_shipped_matches_legacy_generate(shipped, refs, one_thread):
    tensors, meta = refs
    c = meta['generate']
    out = shipped(num_videos=c['n'], num_inference_steps=c['num_steps'], seed=c['seed'], output_type='pt').frames
    assert same(out, tensors['video.generate']), (out.int() - tensors['video.generate'].int()).abs().max()


def test_shipped_matches_legacy_interpolate(shipped, refs, one_thread):
    tensors, meta = refs
    c, clips = meta['interpolate'], tensors['video.clips']
    out = shipped.interpolate(clips[:1, :3], clips[:1, 10:13], c['frames'], num_inference_steps=c['num_steps'], seed=c['seed'],
                              output_type='pt').frames
    assert same(out, tensors['video.interpolate']), (out.int() - tensors['video.interpolate'].int()).abs().max()


def test_comparison_can_fail(shipped, refs, one_thread):
    "Another seed gives other frames: the equalities above are not vacuous."
    tensors, meta = refs
    out = predict(shipped, tensors['video.clips'], {**meta['predict'], 'seed': 1})
    assert torch.equal(out[:, :5], tensors['video.predict'][:, :5]) and not same(out, tensors['video.predict'])


def test_shipped_weights_and_layout(shipped):
    "The shipped folder is diffusers' layout with the old state-dict keys (conv_in., dec1., ...) and no pickles."
    root = Path(__file__).parents[1] / 'multidiff' / 'pretrained' / 'video_mmnist'
    assert sorted(p.name for p in root.iterdir()) == ['README.md', 'denoiser', 'model_index.json', 'scheduler']
    keys = load_file(root / 'denoiser' / 'diffusion_pytorch_model.safetensors').keys()
    assert {k.split('.')[0] for k in keys} >= {'conv_in', 'dec1', 'translator', 'out'} and keys == shipped.denoiser.state_dict().keys()
    assert type(shipped.denoiser) is FrameTranslator and shipped.config.mask_probs == [0.1, 0.7, 0.1, 0.1]
    assert "VideoPipeline.from_pretrained('video_mmnist')" in (root / 'README.md').read_text()


@pytest.fixture(scope='module')
def tiny():
    pipe = video_model(frames=6, size=16, channels=(8, 16), seed=3).eval().to_pipeline()
    with torch.no_grad():
        for b in pipe.denoiser.translator: torch.nn.init.normal_(b.mlp[-1].weight, std=0.1)  # frames see each other
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_round_trip(tiny, tmp_path):
    ctx = torch.randint(0, 256, (2, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    want = tiny(context=ctx, num_frames=8, num_inference_steps=3, seed=4, output_type='pt').frames
    tiny.save_pretrained(tmp_path / 'p')
    assert sorted(p.name for p in (tmp_path / 'p').iterdir()) == ['denoiser', 'model_index.json', 'scheduler']
    assert not list((tmp_path / 'p').rglob('*.bin'))  # safetensors only
    for back in (VideoPipeline.from_pretrained(tmp_path / 'p'), MultidiffPipeline.from_pretrained(tmp_path / 'p')):
        assert type(back).__name__ == 'VideoPipeline'
        back.set_progress_bar_config(disable=True)
        assert torch.equal(back(context=ctx, num_frames=8, num_inference_steps=3, seed=4, output_type='pt').frames, want)
        model = back.to_model()
        assert isinstance(model, VideoDiffusion) and model.denoiser is back.denoiser and model.frames == 6
    other = tiny(context=ctx, num_frames=8, num_inference_steps=3, seed=5, output_type='pt').frames
    assert not torch.equal(other, want)  # the seed matters: the equality is not vacuous


def test_model_saves_as_pipeline(tiny, tmp_path):
    "VideoDiffusion.save_pretrained writes the pipeline; its training settings come back through to_model."
    model = video_model(frames=6, size=16, channels=(8, 16), high_noise_fraction=0.5, mask_probs=(0, 1, 0, 0))
    model.save_pretrained(tmp_path / 'm')
    back = VideoPipeline.from_pretrained(tmp_path / 'm').to_model()
    assert (back.high_noise_fraction, back.mask_probs) == (0.5, (0, 1, 0, 0))


def test_wrong_pipeline_class_fails_clearly(tiny, tmp_path):
    StatePipeline(tiny.denoiser, tiny.scheduler).save_pretrained(tmp_path / 'state')
    with pytest.raises(ValueError, match='holds a StatePipeline, not a VideoPipeline'):
        VideoPipeline.from_pretrained(tmp_path / 'state')
    tiny.save_pretrained(tmp_path / 'video')
    with pytest.raises(ValueError, match='holds a VideoPipeline, not a StatePipeline'):
        StatePipeline.from_pretrained(tmp_path / 'video')
