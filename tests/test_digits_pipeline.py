"""The digits pipeline reproduces the pre-pipeline `DiffusionModel.sample` (to float32 rounding: the references came from another CPU), and survives save/load.

References: tests/data/legacy_references.* (tools/make_legacy_references.py at commit 7aab36a, one torch thread).
"""

import pytest
import torch

from multidiff.image.digits import DigitsPipeline, digits_model
from multidiff.core.pipeline import MultidiffPipeline, StatePipeline


def same(a, b) -> bool:
    "Equal up to float32 rounding: the references were made on another CPU, whose kernels round differently."
    return torch.allclose(a, b, rtol=0, atol=1e-4)


@pytest.fixture(scope="module")
def refs(legacy_tensors, legacy_meta):
    return legacy_tensors, legacy_meta




def test_bit_identical_to_the_old_sampling(refs, one_thread):
    tensors, meta = refs
    pipe = digits_model(seed=0).to_pipeline(); pipe.set_progress_bar_config(disable=True)
    c = meta["digits"]["dpm"]
    labels = torch.arange(10).repeat_interleave(c["per_class"])
    x = pipe(labels, num_inference_steps=c["num_steps"], seed=c["seed"], guidance_scale=c["guidance_scale"], sampler="dpm++").images
    assert same(x, ((tensors["digits.dpm"] + 1) / 2).clamp(0, 1))  # the pipeline decodes; the old call returned states
    c = meta["digits"]["ddpm"]
    x = pipe(c["labels"], num_inference_steps=c["num_steps"], seed=c["seed"], guidance_scale=1.0, sampler=None).images
    assert same(x, ((tensors["digits.ddpm"] + 1) / 2).clamp(0, 1))
    other = pipe(c["labels"], num_inference_steps=c["num_steps"], seed=c["seed"] + 1, guidance_scale=1.0, sampler=None).images
    assert not same(other, x)  # the comparison can fail


def test_round_trip_and_wrong_class(tmp_path):
    pipe = digits_model(seed=1).to_pipeline(); pipe.set_progress_bar_config(disable=True)
    before = pipe([3, 4], num_inference_steps=3, seed=5).images
    pipe.save_pretrained(tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["model_index.json", "scheduler", "unet"]
    back = DigitsPipeline.from_pretrained(tmp_path / "p"); back.set_progress_bar_config(disable=True)
    assert torch.equal(back([3, 4], num_inference_steps=3, seed=5).images, before)
    assert type(MultidiffPipeline.from_pretrained(tmp_path / "p")) is DigitsPipeline
    with pytest.raises(ValueError, match="holds a DigitsPipeline, not a StatePipeline"):
        StatePipeline.from_pretrained(tmp_path / "p")
