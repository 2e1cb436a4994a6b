"""Users' colour clips through the console script (issue 27): `multidiff train video --data FOLDER` of GIF/MP4/.npy
clips of mixed sizes trains an RGB model and says in one line what it skipped; `multidiff sample video --context`
takes a colour clip of another size (fitted, and told); a folder with nothing usable is a one-line error."""
import numpy as np
import pytest
from test_text_to_image_cli import run as _run, one_line_error  # the project's shell helpers for CLI tests


def run(*argv, cwd): return _run(argv, cwd)


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    from multidiff.video.shapes import make_moving_shapes
    from multidiff.video.data import write_gif, write_mp4
    d = tmp_path_factory.mktemp('clips')
    c, _, _ = make_moving_shapes(5, seed=0)
    for i, x in enumerate(c[:3]): write_gif(x, d / f'clip{i}.gif')
    write_mp4(c[3, :, 8:56], d / 'wide.mp4')  # another frame size: fitted
    np.save(d / 'five.npy', c[4, :5])  # too short for 8 frames: skipped, said
    (d / 'broken.mp4').write_bytes(b'not a video')
    return d


def test_train_on_a_clip_folder_then_sample_with_a_colour_context(clips, tmp_path):
    r = run('train', 'video', '--data', clips, '--out', tmp_path / 'run', '--steps', 3, '--batch-size', 2,
            '--frames', 8, '--size', 32, '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    said = [l for l in r.stderr.splitlines() if 'clips from' in l]
    assert len(said) == 1 and said[0].startswith(f"4 clips from {clips} (8 frames of 32x32 RGB); 2 skipped: "), said
    assert 'broken.mp4' in said[0] and 'five.npy' in said[0] and 'too short' in said[0]
    from multidiff.video.pipeline import VideoPipeline
    assert VideoPipeline.from_pretrained(tmp_path / 'run' / 'final').in_channels == 3
    from multidiff.video.data import read_clip, write_gif
    write_gif(read_clip(clips / 'clip0.gif', gray=False)[:4], tmp_path / 'ctx.gif')  # 4 given frames, 64x64
    s = run('sample', 'video', '--checkpoint', tmp_path / 'run' / 'final', '--context', tmp_path / 'ctx.gif',
            '--frames', 8, '--steps', 2, '--out', tmp_path / 's', '--no-progress', cwd=tmp_path)
    assert s.returncode == 0, s.stderr
    assert "--context frames are 64x64; resized and centre-cropped to the model's 32x32" in s.stderr
    out = np.load(tmp_path / 's' / 'clip_000.npy')
    assert out.shape == (8, 32, 32, 3) and out.dtype == np.uint8
    from multidiff.video.data import fit_clip
    assert np.array_equal(out[:4], fit_clip(read_clip(tmp_path / 'ctx.gif', gray=False), 32, 4))  # kept exactly


def test_a_folder_without_usable_clips_is_one_line(tmp_path):
    (tmp_path / 'bad').mkdir(); (tmp_path / 'bad' / 'x.gif').write_bytes(b'GIF89a')
    r = run('train', 'video', '--data', tmp_path / 'bad', '--out', tmp_path / 'run', '--steps', 2, cwd=tmp_path)
    one_line_error(r, 'no usable clip (1 skipped: 1 not a readable clip)')


@pytest.fixture(scope='module')
def captioned(tmp_path_factory):
    "Four moving-shapes GIFs, three captioned in metadata.jsonl (diffusers' imagefolder keys), one not."
    import json
    from multidiff.video.shapes import make_moving_shapes
    from multidiff.video.data import write_gif
    d = tmp_path_factory.mktemp('captioned')
    c, caps, _ = make_moving_shapes(4, seed=1)
    for i, x in enumerate(c): write_gif(x, d / f'clip{i}.gif')
    (d / 'metadata.jsonl').write_text(''.join(json.dumps({'file_name': f'clip{i}.gif', 'text': caps[i]}) + '\n'
                                              for i in range(3)))
    return d, caps


def test_a_captioned_folder_trains_text_to_video_then_samples_a_prompt(captioned, tmp_path):
    d, caps = captioned
    r = run('train', 'video', '--data', d, '--out', tmp_path / 'run', '--steps', 2, '--batch-size', 2,
            '--frames', 8, '--size', 32, '--channels', '8,16', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    said = [l for l in r.stderr.splitlines() if 'clips from' in l]
    assert said == [f"3 clips from {d} (8 frames of 32x32 RGB, captions from metadata.jsonl); "
                    f"1 skipped: 1 no caption in metadata.jsonl: clip3.gif"], said
    from multidiff.video.text_to_video import TextToVideoPipeline
    pipe = TextToVideoPipeline.from_pretrained(tmp_path / 'run' / 'final')
    assert (pipe.config.frames, pipe.config.size, list(pipe.translator.config.widths)) == (8, 32, [8, 16])
    assert set(caps[0].split()) <= set(pipe.tokenizer.get_vocab())  # its words came from the captions
    s = run('sample', 'video', '--checkpoint', tmp_path / 'run' / 'final', '--prompt', caps[0], '--n', 2,
            '--steps', 2, '--out', tmp_path / 's', '--no-progress', cwd=tmp_path)
    assert s.returncode == 0, s.stderr
    a, b = (np.load(tmp_path / 's' / f'clip_00{i}.npy') for i in (0, 1))
    assert a.shape == (8, 32, 32, 3) and a.dtype == np.uint8 and not np.array_equal(a, b)  # seed + i per clip


@pytest.mark.parametrize('extra,parts', [
    (('--gray',), ('--gray: text to video makes RGB clips', 'add --ignore-captions')),
    (('--size', 36), ('--size 36 must be a multiple of 8 for this VAE', 'give --size 32')),
    (('--arch', 'spacetime'), ('--arch spacetime: text to video uses the translator',)),
    (('--init', 'text_to_video_shapes'), ('--init text_to_video_shapes makes 16 frames of 64x64, not 8 of 32x32',
                                          'give --frames 16 --size 64')),
    (('--init', 'video_mmnist'), ('--init video_mmnist is not a text-to-video pipeline',)),
])
def test_text_to_video_options_are_checked_in_one_line(captioned, tmp_path, extra, parts):
    r = run('train', 'video', '--data', captioned[0], '--out', tmp_path / 'run', '--steps', 1, '--frames', 8,
            '--size', 32, *extra, cwd=tmp_path)
    one_line_error(r, *parts)


def test_vae_without_captions_is_one_line(clips, tmp_path):
    r = run('train', 'video', '--data', clips, '--out', tmp_path / 'run', '--steps', 1,
            '--vae', tmp_path, cwd=tmp_path)
    one_line_error(r, '--vae: for text to video, from a --data folder with captions in metadata.jsonl')


def test_captions_naming_no_clip_is_one_line_with_the_fix(captioned, tmp_path):
    import shutil
    d = tmp_path / 'renamed'; shutil.copytree(captioned[0], d)
    for f in d.glob('*.gif'): f.rename(f.with_name('x' + f.name))  # metadata.jsonl now names no clip
    r = run('train', 'video', '--data', d, '--out', tmp_path / 'run', '--steps', 1, cwd=tmp_path)
    one_line_error(r, f'--data {d}: no usable clip (4 skipped: 4 no caption in metadata.jsonl)',
                   'line per clip to metadata.jsonl, or pass --ignore-captions')


def test_init_fine_tunes_in_its_own_window_with_the_dropout_given(captioned, tmp_path):
    r = run('train', 'video', '--data', captioned[0], '--out', tmp_path / 'run', '--init', 'text_to_video_shapes',
            '--steps', 1, '--batch-size', 2, '--cond-dropout', 0.2, '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"3 clips from {captioned[0]} (16 frames of 64x64 RGB" in r.stderr  # --init's window, not 16 of 32
    from multidiff.video.text_to_video import TextToVideoPipeline
    c = TextToVideoPipeline.from_pretrained(tmp_path / 'run' / 'final').config
    assert (c.frames, c.size, c.cond_dropout) == (16, 64, 0.2)


def test_text_to_video_options_without_captions_are_refused(clips, tmp_path):
    r = run('train', 'video', '--out', tmp_path / 'run', '--steps', 1, '--cond-dropout', 0.2, cwd=tmp_path)
    one_line_error(r, '--cond-dropout: for a --data folder of clips', 'drop them for Moving MNIST')
    r = run('train', 'video', '--data', clips, '--out', tmp_path / 'run', '--steps', 1,
            '--init', 'text_to_video_shapes', cwd=tmp_path)
    one_line_error(r, '--init: for text to video, from a --data folder with captions in metadata.jsonl')


def test_a_guidance_interval_for_an_unguided_teacher_is_refused(tmp_path):
    r = run('distill', 'audio', '--teacher', 'audio_fsdd', '--out', tmp_path / 'd', '--guidance-scale', 1,
            '--guidance-interval', '0,0.5', '--train-steps', 1, cwd=tmp_path)
    one_line_error(r, '--guidance-interval: the teacher is sampled at guidance 1', 'give --guidance-scale')
    r = run('distill', 'audio', '--teacher', 'audio_fsdd', '--out', tmp_path / 'd',
            '--guidance-interval', '0.5,0.2', cwd=tmp_path)
    one_line_error(r, "argument --guidance-interval: got '0.5,0.2' (give LO,HI with 0 <= LO < HI <= 1")
