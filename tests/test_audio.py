"""Audio end to end: bad input (corrupt, truncated, empty, silent, extreme lengths, many channels), the codec's round trip
on real speech, and the shipped checkpoint's class-conditional samples against the shipped-data classifier."""
import math, warnings
import numpy as np
import pytest
import soundfile as sf
import torch
from multidiff.audio.codec import MelCodec, load_audio, fit_length, spectral_convergence, log_spectral_distance
from multidiff.audio.model import load_clips, speech_sample_path
from multidiff.audio.pipeline import AudioPipeline
from multidiff.audio.metrics import train_classifier, predict
from multidiff.core.checkpoint import shared_dir

FSDD = shared_dir() / 'data' / 'audio' / 'fsdd'
needs_fsdd = pytest.mark.skipif(not (FSDD / 'manifest.csv').exists(), reason=f"FSDD is read from the shared folder ({FSDD}), which is absent")


def tone(seconds, sr=8000, channels=1, amp=0.3):
    t = np.arange(int(seconds * sr)) / sr
    return np.repeat((amp * np.sin(2 * np.pi * 300 * t))[:, None], channels, 1)


def test_corrupt_and_truncated_files(tmp_path):
    (tmp_path / 'junk.wav').write_bytes(b'\x00' * 64)
    with pytest.raises(ValueError, match='not a readable audio file'): load_audio(tmp_path / 'junk.wav')
    sf.write(tmp_path / 'ok.wav', tone(1.0), 8000, subtype='PCM_16')
    data = (tmp_path / 'ok.wav').read_bytes()
    (tmp_path / 'header_only.wav').write_bytes(data[:30])  # cut inside the header
    with pytest.raises(ValueError, match='not a readable audio file'): load_audio(tmp_path / 'header_only.wav')
    (tmp_path / 'cut.wav').write_bytes(data[:44 + 2000])  # cut inside the samples: the part that is there is read
    assert len(load_audio(tmp_path / 'cut.wav')) == 1000


def test_empty_and_silent_clips(tmp_path):
    (tmp_path / 'empty.wav').write_bytes(b'')
    with pytest.raises(ValueError, match='empty'): load_audio(tmp_path / 'empty.wav')
    sf.write(tmp_path / 'nosamples.wav', np.zeros((0, 1)), 8000)
    with pytest.raises(ValueError, match='no samples'): load_audio(tmp_path / 'nosamples.wav')
    folder = tmp_path / 'clips'; folder.mkdir()
    sf.write(folder / '0_a_0.wav', np.zeros(4000), 8000); sf.write(folder / '1_a_0.wav', tone(0.5), 8000)
    with pytest.warns(UserWarning, match='Skipped 1 clip'): d = load_clips(folder)
    assert d['labels'].tolist() == [1] and 'silent' in d['skipped'][0][1]  # reported, never dropped silently


def test_extreme_lengths_and_many_channels(tmp_path):
    sf.write(tmp_path / 'long.wav', tone(30.0, channels=2), 8000)
    assert len(load_audio(tmp_path / 'long.wav', max_seconds=2.0)) == 16000  # read only what is needed
    w, n = fit_length(load_audio(tmp_path / 'long.wav'), 8064); assert (len(w), n) == (8064, 8064)
    sf.write(tmp_path / 'blip.wav', tone(0.002), 8000)  # 16 samples
    w, n = fit_length(load_audio(tmp_path / 'blip.wav'), 8064); assert (len(w), n) == (8064, 16) and w[16:].abs().max() == 0
    six = tone(0.5, channels=6); six[:, 3:] = 0  # 6 channels, half silent: averaged
    sf.write(tmp_path / 'six.wav', six, 8000)
    assert abs(load_audio(tmp_path / 'six.wav').abs().max().item() - 0.15) < 0.01
    sf.write(tmp_path / 'hi.flac', tone(0.5, sr=44100), 44100)  # resampled to the model's rate
    assert len(load_audio(tmp_path / 'hi.flac', 8000)) == 4000
    folder = tmp_path / 'clips'; folder.mkdir(); sf.write(folder / '2_a_0.wav', tone(3.0), 8000)
    with pytest.warns(UserWarning, match='Cropped 1 clip'): assert load_clips(folder)['lengths'].tolist() == [8064]


def test_codec_round_trip_on_speech():
    codec = MelCodec()
    d = load_clips(speech_sample_path(), codec)
    waves = torch.stack([fit_length(load_audio(p), codec.length)[0] for p in d['paths'][:20]])
    rt = codec.decode(codec.encode(waves))
    sc, lsd = spectral_convergence(waves, rt).median().item(), log_spectral_distance(waves, rt).median().item()
    assert sc < 0.25 and lsd < 6.0, (sc, lsd)  # measured: about 0.16 and 3 dB


@needs_fsdd
def test_shipped_checkpoint_speaks_digits():
    "The shipped FSDD model's class-conditional samples are recognised by a classifier trained on a third of the FSDD train split."
    pipe = AudioPipeline.from_pretrained('audio_fsdd')
    pipe.set_progress_bar_config(disable=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        tr = load_clips(FSDD, pipe.codec, 'train')
    clf = train_classifier(tr['mels'][::3], tr['labels'][::3], epochs=15)
    labels = torch.arange(10).repeat(2)
    mels = pipe.codec.encode(pipe(labels.tolist(), num_inference_steps=25, seed=0).audios)
    acc = (predict(clf, mels)[0] == labels).float().mean().item()
    assert acc >= 0.6, acc  # chance is 0.1; the benchmark measures it on 500 samples with a stronger classifier
