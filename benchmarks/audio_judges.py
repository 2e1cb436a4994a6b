"""Independent judges of generated spoken digits, on WAVEFORMS with their own front ends (not the model's
codec): `MelCNNJudge` (judge A, a small 2-D CNN on 40-band log-mels, no augmentation) and `MFCCJudge` (judge
B, MFCC + delta statistics into a logistic regression), each with fit / predict / embed; `frechet`,
`diversity` and `judge_report` score samples with them. Imported by the benchmark scripts in this folder as
`from audio_judges import ...` (like `_common`)."""
import time
import numpy as np
import torch
import torch.nn.functional as F
import torchaudio
from torch import nn, Tensor
from multidiff.audio.metrics import frechet_distance


def fixed_length(waves, length: int) -> Tensor:
    "Waveforms ([N, samples] tensor or array, or a list of 1-D) as float32 [N, length], padded or cropped."
    fit = lambda w: w[..., :length] if w.shape[-1] >= length else F.pad(w, (0, length - w.shape[-1]))
    if isinstance(waves, (list, tuple)):
        return torch.stack([fit(torch.as_tensor(np.asarray(w), dtype=torch.float32)) for w in waves])
    return fit(torch.as_tensor(np.asarray(waves), dtype=torch.float32))


def load_waves(paths, sample_rate: int, length: int) -> Tensor:
    "The clips at `paths` as [N, length] waveforms at `sample_rate` (zero-padded or cropped at the end)."
    from multidiff.audio.codec import load_audio
    return fixed_length([load_audio(p, sample_rate, truncated='error') for p in paths], length)


def log_mel(mel: nn.Module, waves: Tensor) -> Tensor:
    "log(mel power + 1e-6) [N, n_mels, frames] of waveforms [N, samples]."
    with torch.no_grad(): return torch.log(mel(waves) + 1e-6)


class _CoordCNN(nn.Module):
    "Log-mel [B, n_mels, frames] -> logits; a band-position channel keeps absolute pitch through pooling."
    def __init__(self, n_mels: int, num_classes: int, widths=(16, 32, 64)):
        super().__init__()
        ch = (2, *widths)
        block = lambda i, o: nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
                                           nn.MaxPool2d(2))
        self.blocks = nn.Sequential(*[block(i, o) for i, o in zip(ch, ch[1:])])
        self.head = nn.Linear(widths[-1], num_classes)
        self.register_buffer('coord', torch.linspace(-1, 1, n_mels).view(1, 1, n_mels, 1))

    def embed(self, x: Tensor) -> Tensor:
        "Globally average-pooled features [B, widths[-1]]."
        x = x.unsqueeze(1)
        return self.blocks(torch.cat([x, self.coord.expand_as(x)], 1)).mean((-2, -1))

    def forward(self, x: Tensor) -> Tensor: return self.head(self.embed(x))


class MelCNNJudge:
    "Judge A: 3 conv blocks + global average pooling + linear on 40-band log-mels of the waveform."
    name = 'mel_cnn'

    def __init__(self, sample_rate: int = 8000, seconds: float = 1.0, n_fft: int = 256,
                 hop_length: int = 128, n_mels: int = 40, epochs: int = 15, batch_size: int = 32,
                 lr: float = 3e-3, seed: int = 0):
        self.length, self.epochs, self.batch_size = round(seconds * sample_rate), epochs, batch_size
        self.lr, self.seed = lr, seed
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=n_fft, hop_length=hop_length,
                                                        n_mels=n_mels, power=2.0)
        self.n_mels, self.net, self.fitted = n_mels, None, False
        self.design = (f'log(mel power + 1e-6), {n_mels} bands, n_fft {n_fft}, hop {hop_length}, '
                       f'{seconds:g} s (padded/cropped) at {sample_rate} Hz, plus a band-position '
                       f'channel -> 3 x [conv3x3, BatchNorm, ReLU, max-pool 2] (16/32/64) -> global '
                       f'average pool (embedding, 64-d) -> linear; Adam lr {lr} with cosine decay to 0, '
                       f'batch {batch_size}, {epochs} epochs, no augmentation, seed {seed}')

    def _inputs(self, waves) -> Tensor:
        "Normalised log-mels [N, n_mels, frames] (train-set mean and std)."
        return (log_mel(self.mel, fixed_length(waves, self.length)) - self.mean) / self.std

    def fit(self, waves, labels) -> 'MelCNNJudge':
        "Train from scratch on waveforms and integer labels; deterministic for a seed on one thread."
        labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        x = log_mel(self.mel, fixed_length(waves, self.length))
        self.mean, self.std = x.mean().item(), x.std().item()
        x = (x - self.mean) / self.std
        with torch.random.fork_rng():
            torch.manual_seed(self.seed)
            self.net = _CoordCNN(self.n_mels, int(labels.max()) + 1)
        g, opt = torch.Generator().manual_seed(self.seed), torch.optim.Adam(self.net.parameters(), self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, self.epochs * -(-len(x) // self.batch_size))
        self.net.train()
        for _ in range(self.epochs):
            for idx in torch.randperm(len(x), generator=g).split(self.batch_size):
                loss = F.cross_entropy(self.net(x[idx]), labels[idx])
                opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        self.net.eval(); self.fitted = True
        return self

    @torch.no_grad()
    def _outputs(self, waves, batch_size: int = 256) -> tuple:
        "(predicted labels [N], embeddings [N, 64]) as arrays, in batches."
        x = self._inputs(waves)
        emb = torch.cat([self.net.embed(b) for b in x.split(batch_size)])
        return self.net.head(emb).argmax(-1).numpy(), emb.numpy()

    def predict(self, waves) -> np.ndarray: return self._outputs(waves)[0]
    def embed(self, waves) -> np.ndarray: return self._outputs(waves)[1]


class MFCCJudge:
    "Judge B: mean and std over time of 20 MFCCs and their deltas, standardised, into a logistic regression."
    name = 'mfcc_logreg'

    def __init__(self, sample_rate: int = 8000, seconds: float = 1.0, n_mfcc: int = 20, n_mels: int = 40,
                 n_fft: int = 256, hop_length: int = 80, C: float = 1.0, seed: int = 0):
        self.length, self.C, self.seed, self.fitted = round(seconds * sample_rate), C, seed, False
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=n_fft, hop_length=hop_length,
                                                        n_mels=n_mels, power=2.0)
        self.dct = torchaudio.functional.create_dct(n_mfcc, n_mels, 'ortho')  # [n_mels, n_mfcc]
        self.design = (f'{n_mfcc} MFCCs (DCT-II of log(mel power + 1e-6), {n_mels} bands, n_fft {n_fft}, '
                       f'hop {hop_length}) + deltas of the waveform, {seconds:g} s (padded/cropped) at '
                       f'{sample_rate} Hz; mean and std over time ({4 * n_mfcc}-d) -> StandardScaler '
                       f'(embedding) -> LogisticRegression(C={C})')

    def features(self, waves) -> np.ndarray:
        "The unstandardised [N, 4 * n_mfcc] MFCC statistics."
        mfcc = torch.einsum('nmt,mk->nkt', log_mel(self.mel, fixed_length(waves, self.length)), self.dct)
        f = torch.cat([mfcc, torchaudio.functional.compute_deltas(mfcc)], 1)
        return torch.cat([f.mean(-1), f.std(-1)], 1).double().numpy()

    def fit(self, waves, labels) -> 'MFCCJudge':
        "Fit the scaler and the classifier on waveforms and integer labels."
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
        x = self.features(waves)
        self.scaler = StandardScaler().fit(x)
        self.clf = LogisticRegression(C=self.C, max_iter=5000, random_state=self.seed)
        self.clf.fit(self.scaler.transform(x), np.asarray(labels)); self.fitted = True
        return self

    def embed(self, waves) -> np.ndarray: return self.scaler.transform(self.features(waves))
    def predict(self, waves) -> np.ndarray: return self.clf.predict(self.embed(waves))


def default_judges(sample_rate: int = 8000, seed: int = 0, epochs: int = 15) -> list:
    "Judge A (`MelCNNJudge`) and judge B (`MFCCJudge`), unfitted."
    return [MelCNNJudge(sample_rate, epochs=epochs, seed=seed), MFCCJudge(sample_rate, seed=seed)]


def frechet(a, b) -> float:
    "Fréchet distance between Gaussians fitted to two embedding sets [N, D] and [M, D] (N, M >= 2)."
    as_t = lambda x: torch.as_tensor(np.asarray(x, dtype=np.float64))
    return frechet_distance(as_t(a), as_t(b))


def diversity(emb, labels) -> tuple:
    "({digit: mean pairwise Euclidean distance of its embeddings}, their mean); digits with < 2 left out."
    emb, labels = torch.as_tensor(np.asarray(emb, dtype=np.float64)), np.asarray(labels)
    out = {}
    for c in sorted(set(labels.tolist())):
        e = emb[torch.as_tensor(labels == c)]
        if len(e) < 2: continue
        d = torch.cdist(e, e, compute_mode='donot_use_mm_for_euclid_dist')  # exact 0 for identical rows
        out[int(c)] = float(d.sum() / (len(e) * (len(e) - 1)))
    return out, float(np.mean(list(out.values()))) if out else float('nan')


def _take(waves, idx):
    "The clips `idx` of a list, array or tensor of waveforms."
    return [waves[i] for i in idx] if isinstance(waves, (list, tuple)) else waves[idx]


def _accuracy(pred, labels) -> float:
    "Share of predictions equal to the labels."
    return float((np.asarray(pred) == np.asarray(labels)).mean())


def _diversity_part(emb_samples, sample_labels, emb_test, test_labels) -> dict:
    "Per-digit diversity of samples and of real test clips, their ratio (samples / real); None: no pairs."
    ds, ms = diversity(emb_samples, sample_labels)
    dt, mt = diversity(emb_test, test_labels)
    ratio = {c: ds[c] / dt[c] for c in ds if c in dt and dt[c] > 0}
    key, num = lambda d: {str(c): v for c, v in d.items()}, lambda v: None if np.isnan(v) else v  # JSON null
    return {'diversity_samples': key(ds), 'diversity_real_test': key(dt), 'diversity_ratio': key(ratio),
            'diversity_samples_mean': num(ms), 'diversity_real_test_mean': num(mt),
            'diversity_ratio_mean': float(np.mean(list(ratio.values()))) if ratio else None}


def judge_report(judge, train_waves, train_labels, test_waves, test_labels, roundtrip_test_waves,
                 sample_waves, sample_labels, seed: int = 0) -> dict:
    "Fit `judge` (unless fitted); score real, round-tripped and generated clips with it (a JSON-able dict)."
    t0 = time.perf_counter()
    if not judge.fitted: judge.fit(train_waves, train_labels)
    fit_s = time.perf_counter() - t0
    sample_labels, test_labels = np.asarray(sample_labels), np.asarray(test_labels)
    pred_s, emb_s = judge.predict(sample_waves), judge.embed(sample_waves)
    emb_te, emb_rt = judge.embed(test_waves), judge.embed(roundtrip_test_waves)
    n = min(len(train_labels), len(sample_labels))  # the floor with as many train clips as samples
    sub = torch.randperm(len(train_labels), generator=torch.Generator().manual_seed(seed))[:n].numpy()
    emb_tr = judge.embed(_take(train_waves, sub))
    digits = sorted(set(sample_labels.tolist()))
    per_digit = {str(c): _accuracy(pred_s[sample_labels == c], c) for c in digits}
    return {'train_clips': len(train_labels), 'test_clips': len(test_labels), 'samples': len(sample_labels),
            'fit_seconds': round(fit_s, 1),
            'accuracy_real_test': _accuracy(judge.predict(test_waves), test_labels),
            'accuracy_real_test_roundtrip': _accuracy(judge.predict(roundtrip_test_waves), test_labels),
            'accuracy_samples': _accuracy(pred_s, sample_labels), 'per_digit_accuracy_samples': per_digit,
            'frechet_samples_vs_test': frechet(emb_s, emb_te),
            'frechet_train_vs_test': frechet(emb_tr, emb_te),
            'frechet_train_vs_test_clips': int(n), 'frechet_roundtrip_vs_test': frechet(emb_rt, emb_te),
            **_diversity_part(emb_s, sample_labels, emb_te, test_labels)}
