"""String labels end to end: FSDD spoken digits presented to `train_audio` through a manifest.csv whose `label` column
holds the digit WORDS ('zero'..'nine'), a small model trained on them, clips sampled per word by name
(`pipe(labels=['seven', ...])`), and how often an independent digit classifier hears the word that was asked for; the
same classifier on real held-out clips is the ceiling. The point is that string labels work (the model's label ids
are the sorted words, 'eight'=0 .. 'zero'=9, not the digits, so a mix-up anywhere would fall to chance, 0.1), not
quality: the model is small and briefly trained. Writes a JSON of results.

Run from the repository root (about 10 min on one idle CPU thread):
    OMP_NUM_THREADS=1 nohup .venv/bin/python benchmarks/audio_string_labels.py \
        --out benchmarks/results/audio_string_labels.json > /tmp/audio_string_labels.log 2>&1 &
Protocol: clips from ../shared/data/audio/fsdd (MULTIDIFF_SHARED) by its manifest's split. The diffusion model sees
--per-word train clips of each word (random, seed 0) through a temporary folder whose manifest.csv has columns path,
label, split (paths point at the FSDD files; nothing is copied). The classifier (`multidiff.audio.metrics.DigitClassifier`,
as in audio_fsdd.py) is trained on every 2nd clip of the FSDD train split (1,350 clips, 12 epochs) with labels from FSDD's
own manifest (integers in the old `digit` column), not from the words; its predicted digit is mapped to the word.
Generated clips are decoded to waveforms (Griffin-Lim) and re-encoded before they are classified, so inversion
artefacts count; the real ceiling (the 300 FSDD test clips) is reported clean and after the same round trip.
A second, independent judge (another architecture and front end, no shared augmentation or clips): per-clip mean and
standard deviation of 20 librosa MFCCs of the WAVEFORM, standardised, into scikit-learn's LogisticRegression, trained on
the OTHER half of the FSDD train split (odd positions); it scores the real test clips and the generated waveforms.
"""
import argparse, csv, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from multidiff.audio.model import load_clips, train_audio
from multidiff.audio.metrics import train_classifier, predict
from multidiff.core.checkpoint import shared_dir

WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']


def word_manifest(fsdd:Path, folder:Path, per_word:int, seed:int) -> int:
    "Write folder/manifest.csv: `per_word` train clips of each digit (random, seeded) and all test clips, labelled by word."
    with open(fsdd / 'manifest.csv', newline='') as f: rows = list(csv.DictReader(f))
    g = torch.Generator().manual_seed(seed)
    keep = []
    for d in range(10):
        train = [r for r in rows if int(r['digit']) == d and r['split'] == 'train']
        keep += [train[i] for i in torch.randperm(len(train), generator=g)[:per_word].tolist()]
    keep += [r for r in rows if r['split'] == 'test']
    with open(folder / 'manifest.csv', 'w', newline='') as f:
        w = csv.writer(f); w.writerow(['path', 'label', 'split'])
        for r in keep: w.writerow([str((fsdd / r['path']).resolve()), WORDS[int(r['digit'])], r['split']])
    return len(keep)


def mfcc_features(waves, sample_rate:int):
    "Per clip: mean and standard deviation over time of 20 MFCCs (librosa), a front end the CNN judge does not use."
    import librosa, numpy as np
    return np.stack([np.concatenate([m.mean(1), m.std(1)]) for m in
                     (librosa.feature.mfcc(y=np.asarray(w, dtype=np.float32), sr=sample_rate, n_mfcc=20) for w in waves)])


def mfcc_judge(paths, digits, codec):
    "The second judge: standardised MFCC statistics into a logistic regression, fitted on these clips' waveforms."
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from multidiff.audio.codec import load_audio, fit_length
    waves = [fit_length(load_audio(p, codec.sample_rate), codec.length)[0].numpy() for p in paths]
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(
        mfcc_features(waves, codec.sample_rate), digits)


def accuracy(pred_digits:torch.Tensor, words:list) -> float:
    return sum(WORDS[int(p)] == w for p, w in zip(pred_digits, words)) / len(words)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--per-word', type=int, default=60, help='train clips per word for the diffusion model')
    p.add_argument('--train-steps', type=int, default=1000); p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--channels', default='32,64,64'); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--per-class', type=int, default=10, help='generated clips per word')
    p.add_argument('--steps', type=int, default=25); p.add_argument('--guidance-scale', type=float, default=3.0)
    p.add_argument('--classifier-epochs', type=int, default=12)
    p.add_argument('--classifier-stride', type=int, default=2, help='train the classifier on every k-th FSDD train clip')
    p.add_argument('--seed', type=int, default=0); p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default='benchmarks/results/audio_string_labels.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads); warnings.filterwarnings('ignore', message='Cropped')
    fsdd = shared_dir() / 'data' / 'audio' / 'fsdd'
    if not (fsdd / 'manifest.csv').exists(): sys.exit(f"FSDD not found at {fsdd}: set MULTIDIFF_SHARED")
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        words_dir, run = Path(tmp) / 'words', Path(tmp) / 'run'
        words_dir.mkdir(); n_rows = word_manifest(fsdd, words_dir, a.per_word, a.seed)
        t0 = time.time()
        model, trainer = train_audio(words_dir, run, steps=a.train_steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed,
                                     progress=False, channels=tuple(int(c) for c in a.channels.split(',')))
        train_s = time.time() - t0
        pipe = model.to_pipeline(); pipe.set_progress_bar_config(disable=True)
        names = pipe.label_names
        print('model labels (id order):', names, f'trained {a.train_steps} steps in {train_s:.0f} s', flush=True)
        codec = pipe.codec
        # the classifier: FSDD's own manifest (integer 'digit' column), independent of the word labels
        t0 = time.time()
        tr, te = load_clips(fsdd, codec, 'train'), load_clips(fsdd, codec, 'test')
        k = a.classifier_stride
        clf = train_classifier(tr['mels'][::k], tr['labels'][::k], epochs=a.classifier_epochs, seed=a.seed)
        clf_s = time.time() - t0
        te_words = [WORDS[int(tr['label_names'][i])] for i in te['labels']]  # FSDD ids -> digit names -> words
        real = {'test_clips': len(te_words),
                'accuracy_clean': accuracy(predict(clf, te['mels'])[0], te_words),
                'accuracy_roundtrip': accuracy(predict(clf, codec.encode(codec.decode(te['mels'])))[0], te_words)}
        t0 = time.time()
        digit_of = lambda ids, names: [int(names[i]) for i in ids]
        judge2 = mfcc_judge(tr['paths'][1::2], digit_of(tr['labels'][1::2], tr['label_names']), codec)
        from multidiff.audio.codec import load_audio, fit_length
        te_waves = [fit_length(load_audio(p, codec.sample_rate), codec.length)[0].numpy() for p in te['paths']]
        real['mfcc_judge_accuracy_clean'] = accuracy(
            torch.as_tensor(judge2.predict(mfcc_features(te_waves, codec.sample_rate))), te_words)
        real['mfcc_judge_accuracy_roundtrip'] = accuracy(torch.as_tensor(judge2.predict(mfcc_features(
            codec.decode(codec.encode(torch.as_tensor(np.stack(te_waves)))).numpy(), codec.sample_rate))), te_words)
        judge2_s = time.time() - t0
        print('real held-out', real, flush=True)
        # generation by name: the word list goes to the pipeline as strings
        asked = [w for w in WORDS for _ in range(a.per_class)]
        t0 = time.time(); mels, all_waves = [], []
        for i in range(0, len(asked), 50):
            waves = pipe(asked[i:i + 50], num_inference_steps=a.steps, seed=a.seed + i,
                         guidance_scale=a.guidance_scale).audios
            mels.append(codec.encode(waves)); all_waves.append(waves)
        gen_s = time.time() - t0
        pred = predict(clf, torch.cat(mels))[0]
        per_word = {w: accuracy(pred[[j for j, x in enumerate(asked) if x == w]], [w] * a.per_class) for w in WORDS}
        confusion = torch.zeros(10, 10, dtype=torch.long)  # rows: word asked for, columns: digit heard
        for w, q in zip(asked, pred.tolist()): confusion[WORDS.index(w), q] += 1
        gen = {'samples': len(asked), 'accuracy': accuracy(pred, asked), 'per_word_accuracy': per_word,
               'confusion_asked_by_heard': confusion.tolist(), 'generate_and_invert_seconds': round(gen_s, 1),
               'mfcc_judge_accuracy': accuracy(torch.as_tensor(judge2.predict(mfcc_features(
                   torch.cat(all_waves).numpy(), codec.sample_rate))), asked)}
        print('generated by name', gen, flush=True)
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers', 'torchaudio', 'librosa')),
           'data': {'fsdd': str(fsdd), 'manifest_rows': n_rows, 'train_clips_listed': 10 * a.per_word, 'trained_steps': trainer.step,
                    'per_word': a.per_word, 'label_column': 'label (digit words)'},
           'model': {'label_names': names, 'num_classes': pipe.config.num_classes, 'channels': a.channels,
                     'parameters': sum(p.numel() for p in pipe.denoiser.parameters()), 'train_steps': a.train_steps,
                     'batch_size': a.batch_size, 'lr': a.lr, 'train_seconds': round(train_s, 1), 'codec': codec.config},
           'sampling': {'steps': a.steps, 'sampler': 'dpm++', 'guidance_scale': a.guidance_scale, 'seed': a.seed},
           'classifier': {'train_clips': len(tr['mels'][::a.classifier_stride]), 'epochs': a.classifier_epochs, 'train_seconds': round(clf_s, 1),
                          'labels_from': "FSDD manifest.csv 'digit' column (integers)"},
           'second_judge': {'kind': 'mean+std of 20 librosa MFCCs -> StandardScaler -> LogisticRegression',
                            'train_clips': len(tr['paths'][1::2]), 'train': 'odd positions of the FSDD train split',
                            'train_and_score_seconds': round(judge2_s, 1)},
           'real': real, 'generated': gen, 'chance': 0.1,
           'summary': {'accuracy_generated_by_word': gen['accuracy'], 'accuracy_real_test': real['accuracy_clean'],
                       'accuracy_real_test_roundtrip': real['accuracy_roundtrip'],
                       'mfcc_judge_accuracy_generated': gen['mfcc_judge_accuracy'],
                       'mfcc_judge_accuracy_real_test': real['mfcc_judge_accuracy_clean'],
                       'mfcc_judge_accuracy_real_test_roundtrip': real['mfcc_judge_accuracy_roundtrip'],
                       'label_names': names,
                       'total_seconds': round(time.time() - t_start, 1)}}
    write_json_atomic(Path(a.out), res)
    print('wrote', a.out, res['summary'])


if __name__ == '__main__':
    main()
