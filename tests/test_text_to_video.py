"""Text to video (issue 27) through the console script and the pipeline: `multidiff sample video --prompt` writes
colour .npy/.gif clips from a text-to-video checkpoint, `--context` keeps given frames exactly, and a prompt for a
model without text, or a text model without a prompt, is a one-line error. A tiny model trained a few steps in CI."""
import numpy as np
import pytest
from test_text_to_image_cli import run as _run, one_line_error  # the project's shell helpers for CLI tests


def run(*argv, cwd): return _run(argv, cwd)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "A text-to-video pipeline folder: a tiny model trained 4 steps on 8 moving-shapes clips."
    import torch
    from multidiff.image.vae import small_vae
    from multidiff.video.shapes import make_moving_shapes
    from multidiff.video.text_to_video import train_text_to_video, TextToVideoPipeline
    d = tmp_path_factory.mktemp('t2v')
    clips, caps, _ = make_moving_shapes(8, seed=0)
    torch.manual_seed(0)
    vae = small_vae((8, 16, 16), latent_channels=4)
    model, trainer = train_text_to_video(clips, caps, vae, d / 'run', steps=4, batch_size=4, progress=False,
                                         widths=(8, 16), latent=4, blocks=1, text_width=16)
    assert trainer.step == 4
    model.to_pipeline().save_pretrained(d / 'pipe')
    # an interrupted run resumes from its checkpoint to the steps asked for
    _, again = train_text_to_video(clips, caps, vae, d / 'run', steps=6, batch_size=4, progress=False, resume=True,
                                   widths=(8, 16), latent=4, blocks=1, text_width=16)
    assert again.step == 6
    assert TextToVideoPipeline.from_run(d / 'run').translator.config.cond_dim == 16
    # fine-tuning a pipeline: its architecture, tokenizer and VAE; new training settings
    tuned, t = train_text_to_video(clips, caps, None, d / 'tune', steps=2, batch_size=4, progress=False,
                                   start=TextToVideoPipeline.from_pretrained(d / 'pipe'), mask_probs=(1, 0, 0, 0))
    assert t.step == 2 and tuned.mask_probs == (1, 0, 0, 0)
    assert TextToVideoPipeline.from_run(d / 'tune').config.mask_probs == [1, 0, 0, 0]
    # resuming keeps the run's own settings (not the defaults of the call)
    resumed, t = train_text_to_video(clips, caps, None, d / 'tune', steps=3, batch_size=4, progress=False, resume=True)
    assert t.step == 3 and resumed.mask_probs == (1, 0, 0, 0)
    with pytest.raises(ValueError, match='mask_probs must be 4 or 5 shares'):
        train_text_to_video(clips, caps, None, d / 'y', steps=1, start=model, mask_probs=(1, 1, 0, 0))
    with pytest.raises(ValueError, match='start= fixes the architecture'):
        train_text_to_video(clips, caps, None, d / 'x', steps=1, start=model, blocks=2)
    return d / 'pipe', clips


def test_sample_video_from_a_prompt(tiny, tmp_path):
    pipe, clips = tiny
    r = run('sample', 'video', '--checkpoint', pipe, '--prompt', 'a small red square moving left', '--n', 2,
            '--steps', 2, '--out', tmp_path / 'v', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = [np.load(tmp_path / 'v' / f'clip_00{i}.npy') for i in range(2)]
    assert all(o.shape == (16, 64, 64, 3) and o.dtype == np.uint8 for o in out)
    assert not np.array_equal(out[0], out[1])  # clip i uses seed + i
    assert (tmp_path / 'v' / 'clip_001.gif').stat().st_size > 0
    np.save(tmp_path / 'ctx.npy', clips[0, :5])
    r = run('sample', 'video', '--checkpoint', pipe, '--prompt', 'a small red square moving left', '--context',
            tmp_path / 'ctx.npy', '--steps', 2, '--out', tmp_path / 'p', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / 'p' / 'clip_000.npy')[:5], clips[0, :5])  # kept exactly


def test_prompt_and_checkpoint_must_agree(tiny, tmp_path):
    pipe, _ = tiny
    one_line_error(run('sample', 'video', '--checkpoint', 'video_mmnist', '--prompt', 'a red square', '--out',
                       tmp_path / 'a', cwd=tmp_path), 'is not a text-to-video model, so --prompt cannot steer it')
    one_line_error(run('sample', 'video', '--checkpoint', pipe, '--out', tmp_path / 'b', cwd=tmp_path),
                   'makes clips from text')
    one_line_error(run('sample', 'video', '--checkpoint', pipe, '--prompt', 'a red square', '--frames', 20,
                       '--out', tmp_path / 'c', cwd=tmp_path), "text to video makes the model's 16-frame window")


def test_the_shipped_model_draws_the_shape_colour_and_size_it_is_told():
    "The shipped checkpoint on 8 benchmark prompts (seen combinations), read by the rule judge."
    from multidiff.video.text_to_video import TextToVideoPipeline
    from multidiff.video.shapes import make_moving_shapes, motion_accuracy
    pipe = TextToVideoPipeline.from_pretrained('text_to_video_shapes')
    pipe.set_progress_bar_config(disable=True)
    _, captions, labels = make_moving_shapes(8, 'train', 1001)
    acc = motion_accuracy(pipe(captions, seed=0).frames, labels)
    # colour and size follow the prompt, and the direction more often than chance (0.25); shapes and identity are
    # the weaker part of this model (benchmarks/README.md)
    assert min(acc['colour'], acc['size']) >= 0.75 and acc['direction'] >= 0.375 and acc['exact'] >= 0.375, acc
