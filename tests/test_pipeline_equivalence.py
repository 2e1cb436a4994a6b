"""multidiff's sampling loop reproduces diffusers' own pipelines.

With the same small randomly initialised `UNet2DModel`, the same scheduler config,
the same seed and the same number of steps, `multidiff.core.sampling.sample`
(a `DiffusersDenoiser` around the UNet, a `GaussianScheduler` around the diffusers
scheduler, one `torch.Generator`) must give the image that `DDPMPipeline` /
`DDIMPipeline` give, to within `ATOL` (max abs difference on the `output_type="np"`
image, NHWC in [0, 1]).

Each side gets its own scheduler instance built from the same config (pipelines call
`set_timesteps` themselves, so no state is shared) and its own fresh generator.
`test_different_seeds_differ` checks that the comparison can fail at all, and every
comparison first checks that the image is not saturated at 0/1 (a clamped image would
make any two runs agree).
"""
import numpy as np
import pytest
import torch
from diffusers import DDIMPipeline, DDIMScheduler, DDPMPipeline, DDPMScheduler, UNet2DModel

from multidiff.core.codec import NormalizeCodec
from multidiff.core.denoiser import DiffusersDenoiser
from multidiff.core.gaussian import GaussianScheduler
from multidiff.core.sampling import sample

ATOL = 1e-5
SIZE = 16
BATCH = 2


@pytest.fixture(scope="module")
def unet():
    "A small randomly initialised UNet (about 180k parameters): 16x16, 3 channels, one attention block."
    torch.manual_seed(0)
    model = UNet2DModel(
        sample_size=SIZE, in_channels=3, out_channels=3,
        block_out_channels=(16, 32), layers_per_block=1, norm_num_groups=8,
        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D"),
    )
    return model.eval()


def run_pipeline(pipeline_cls, unet, scheduler, num_steps, seed, batch=BATCH, **kwargs) -> np.ndarray:
    "diffusers' pipeline output (NHWC numpy in [0, 1]) with a scheduler of its own."
    pipe = pipeline_cls(unet=unet, scheduler=type(scheduler).from_config(scheduler.config))
    pipe.set_progress_bar_config(disable=True)
    out = pipe(batch_size=batch, num_inference_steps=num_steps,
               generator=torch.Generator().manual_seed(seed), output_type="np", **kwargs)
    return out.images


def run_multidiff(unet, scheduler, num_steps, seed, batch=BATCH, **step_kwargs) -> np.ndarray:
    "multidiff's loop on the same model, with a scheduler of its own, decoded like the pipelines do."
    ours = GaussianScheduler(type(scheduler).from_config(scheduler.config))
    x = sample(DiffusersDenoiser(unet), ours, (batch, 3, SIZE, SIZE), num_steps=num_steps,
               generator=torch.Generator().manual_seed(seed), progress=False, **step_kwargs)
    return NormalizeCodec(0, 1).decode(x).permute(0, 2, 3, 1).numpy()


def assert_informative(img: np.ndarray):
    "The image must carry signal: mostly strictly inside (0, 1) and not constant, else equality proves little."
    assert img.shape == (BATCH, SIZE, SIZE, 3), img.shape
    assert np.isfinite(img).all()
    inside = ((img > 0) & (img < 1)).mean()
    assert inside > 0.5, f"only {inside:.0%} of pixels are unclamped; the comparison would be vacuous"
    assert img.std() > 0.05, f"image std {img.std():.3g} is too small to compare"


def assert_matches(ref: np.ndarray, ours: np.ndarray):
    assert_informative(ref)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype, (ours.shape, ours.dtype, ref.shape, ref.dtype)
    diff = float(np.abs(ref - ours).max())
    assert diff <= ATOL, f"max abs difference {diff:.3g} > {ATOL}"


def test_ddpm_matches_ddpm_pipeline(unet):
    sched = DDPMScheduler(num_train_timesteps=1000)
    ref = run_pipeline(DDPMPipeline, unet, sched, num_steps=10, seed=0)
    ours = run_multidiff(unet, sched, num_steps=10, seed=0)
    assert_matches(ref, ours)


def test_ddim_eta0_matches_ddim_pipeline(unet):
    sched = DDIMScheduler(num_train_timesteps=1000)
    ref = run_pipeline(DDIMPipeline, unet, sched, num_steps=10, seed=1)
    ours = run_multidiff(unet, sched, num_steps=10, seed=1)
    assert_matches(ref, ours)


def test_ddim_eta05_matches_ddim_pipeline(unet):
    "eta > 0 draws fresh noise at every step, so this also checks the generator reaches `step` in the same order."
    sched = DDIMScheduler(num_train_timesteps=1000)
    ref = run_pipeline(DDIMPipeline, unet, sched, num_steps=10, seed=2, eta=0.5)
    ours = run_multidiff(unet, sched, num_steps=10, seed=2, eta=0.5)
    assert_matches(ref, ours)
    # the stochastic part is live: eta=0.5 must not reproduce the deterministic eta=0 image
    assert np.abs(ref - run_pipeline(DDIMPipeline, unet, sched, num_steps=10, seed=2)).max() > 1e-2


@pytest.mark.parametrize("extra", [
    {},
    {"rescale_betas_zero_snr": True, "timestep_spacing": "trailing"},
], ids=["default", "zero_snr_trailing"])
def test_ddim_v_prediction_matches_ddim_pipeline(unet, extra):
    sched = DDIMScheduler(num_train_timesteps=1000, prediction_type="v_prediction", **extra)
    ref = run_pipeline(DDIMPipeline, unet, sched, num_steps=10, seed=3)
    ours = run_multidiff(unet, sched, num_steps=10, seed=3)
    assert_matches(ref, ours)


def test_different_seeds_differ(unet):
    "The comparison can fail: with another seed multidiff's image is far from the pipeline's."
    sched = DDIMScheduler(num_train_timesteps=1000)
    ref = run_pipeline(DDIMPipeline, unet, sched, num_steps=10, seed=0)
    ours = run_multidiff(unet, sched, num_steps=10, seed=1)
    assert_informative(ref)
    assert_informative(ours)
    diff = float(np.abs(ref - ours).max())
    assert diff > 100 * ATOL, f"different seeds gave max abs difference {diff:.3g}; the equivalence tests could not fail"
    with pytest.raises(AssertionError):
        assert_matches(ref, ours)
