"""The FSDD benchmark's independent judges (benchmarks/audio_judges.py) on synthetic 8 kHz clips made here:
each learns ten classes of tones and chirps, diversity and the Fréchet distance behave, and judge_report's
numbers are sane."""
import json, math, sys
from pathlib import Path
import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'benchmarks'))
from audio_judges import MelCNNJudge, MFCCJudge, frechet, diversity, judge_report, fixed_length

SR, SECONDS = 8000, 0.5


def synth(per_class: int, seed: int) -> tuple:
    "Ten classes (waveforms [10 * per_class, 4000], labels): tones (0-4) and rising or falling chirps (5-9)."
    rng, t = np.random.default_rng(seed), np.arange(int(SR * SECONDS)) / SR
    waves, labels = [], []
    for c in range(10):
        for _ in range(per_class):
            f0 = 400 + 600 * (c % 5) * rng.uniform(0.97, 1.03)
            sweep = 0 if c < 5 else 1600 * (1 if c % 2 else -1)  # Hz over the clip
            phase = 2 * np.pi * (f0 * t + sweep * t ** 2 / (2 * SECONDS)) + rng.uniform(0, 2 * np.pi)
            start, dur = rng.integers(0, 800), rng.integers(2400, 3200)
            env = ((t * SR >= start) & (t * SR < start + dur)).astype(float)
            w = rng.uniform(0.1, 0.8) * np.sin(phase) * env + rng.normal(0, 0.005, len(t))
            waves.append(w.astype(np.float32)); labels.append(c)
    return torch.as_tensor(np.stack(waves)), np.array(labels)


@pytest.fixture(scope='module')
def data():
    return synth(20, 0), synth(10, 1)


@pytest.fixture(scope='module')
def judges(data):
    (xtr, ytr), _ = data
    return [MelCNNJudge(SR, SECONDS, epochs=12, seed=0).fit(xtr, ytr), MFCCJudge(SR, SECONDS).fit(xtr, ytr)]


def test_each_judge_learns(data, judges):
    _, (xte, yte) = data
    for j in judges:
        acc = (j.predict(xte) == yte).mean()
        assert acc > 0.9, (j.name, acc)
        emb = j.embed(xte)
        assert emb.ndim == 2 and len(emb) == len(xte) and np.isfinite(emb).all(), j.name
        assert j.design and j.name
        assert diversity(j.embed(xte[:1].repeat(5, 1)), [3] * 5) == ({3: 0.0}, 0.0)  # identical clips
        assert diversity(j.embed(xte[:5]), [3] * 5)[1] > 0  # varied clips


def test_cnn_judge_is_deterministic(data):
    (xtr, ytr), (xte, _) = data
    fit = lambda: MelCNNJudge(SR, SECONDS, epochs=1, seed=3).fit(xtr[::4], ytr[::4]).embed(xte[:8])
    torch.manual_seed(123); a = fit(); torch.manual_seed(456); b = fit()
    assert np.array_equal(a, b)


def test_diversity():
    labels = np.repeat([0, 1], 5)
    same = np.repeat(np.random.default_rng(0).normal(size=(1, 8)), 10, 0)
    per, mean = diversity(same, labels)
    assert per == {0: 0.0, 1: 0.0} and mean == 0.0
    varied = np.random.default_rng(1).normal(size=(10, 8))
    per, mean = diversity(varied, labels)
    assert all(v > 0 for v in per.values()) and mean > 0
    two = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert diversity(two, [7, 7])[0] == {7: 5.0}
    assert diversity(two, [0, 1])[0] == {}  # one clip per digit: no pairs


def test_frechet():
    x = np.random.default_rng(0).normal(size=(200, 6))
    assert abs(frechet(x, x)) < 1e-8
    assert frechet(x, x + 0.5) > 1.0 > abs(frechet(x, torch.as_tensor(x)))  # shift: + 6 * 0.25
    assert math.isclose(frechet(x, x + 0.5), 1.5, rel_tol=1e-6)
    assert frechet(x, 2 * x) > 1.0


def test_fixed_length():
    assert fixed_length([np.ones(3), np.ones(7)], 5).tolist() == [[1, 1, 1, 0, 0], [1] * 5]
    assert fixed_length(np.ones((2, 9)), 4).shape == (2, 4)


def test_judge_report(data, judges):
    (xtr, ytr), (xte, yte) = data
    samples, sample_labels = xte.flip(0), yte[::-1]  # a stand-in for generated clips: same clips, reordered
    g = torch.Generator().manual_seed(0)
    noisy = 0.9 * xte + 0.003 * torch.randn(xte.shape, generator=g)  # a stand-in for the codec round trip
    for j in judges:
        r = judge_report(j, xtr, ytr, xte, yte, noisy, samples, sample_labels)
        json.dumps(r, allow_nan=False)
        assert r['fit_seconds'] == 0.0  # already fitted: not refitted
        for k in ('accuracy_real_test', 'accuracy_real_test_roundtrip', 'accuracy_samples'):
            assert 0.9 < r[k] <= 1.0, (j.name, k, r[k])
        assert r['accuracy_samples'] == r['accuracy_real_test']
        assert sorted(r['per_digit_accuracy_samples']) == [str(c) for c in range(10)]
        assert abs(r['frechet_samples_vs_test']) < 1e-6 < r['frechet_train_vs_test']
        assert r['frechet_train_vs_test_clips'] == 100 and r['samples'] == 100 and r['train_clips'] == 200
        assert r['frechet_roundtrip_vs_test'] >= 0
        assert r['diversity_ratio'].keys() == r['diversity_samples'].keys() == {str(c) for c in range(10)}
        assert math.isclose(r['diversity_ratio_mean'], 1.0, rel_tol=1e-9)
        assert r['diversity_real_test_mean'] > 0


def test_diagnose_settings_and_mel_statistics():
    "audio_diagnose: settings parse to typed options (a bad key exits naming it); the mel statistics see silence and speech."
    from audio_diagnose import parse_setting, mel_stats
    assert parse_setting('g2:guidance=2,interval=0.0-0.7,spacing=trailing') == (
        'g2', {'guidance': 2.0, 'interval': '0.0-0.7', 'spacing': 'trailing'})
    assert parse_setting('plain') == ('plain', {})
    with pytest.raises(SystemExit, match="unknown setting key 'guide'"): parse_setting('x:guide=2')
    silent = torch.full((3, 1, 8, 10), -1.0)
    s = mel_stats(silent)
    assert s['silent_pixel_share'] == 1.0 and s['speech_frames_mean'] == 0.0 and s['quiet_pixel_mean_db'] == -80.0
    loud = silent.clone(); loud[:, :, 2, :4] = 0.8  # 4 frames with one band at 10 dB
    s = mel_stats(loud)
    assert s['speech_frames_mean'] == 4.0 and abs(s['peak_db_mean'] - 10.0) < 1e-4
    assert abs(s['silent_pixel_share'] - (1 - 4 / 80)) < 1e-6
