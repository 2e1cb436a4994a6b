"""Write `data/speech_digits/`: the digits 0-9 spoken by espeak-ng in 12 voices at 2 speaking rates (240 FLAC clips,
8 kHz mono, silence trimmed) and a manifest in the layout of the Free Spoken Digit Dataset's, so one loader reads both.

Needs the `espeak-ng` program (Debian: `apt-get install espeak-ng`); run from the repository root:
    python tools/make_speech_sample.py [--out data/speech_digits]
The output is deterministic for one espeak-ng version (1.51 here)."""
import argparse, csv, io, subprocess
from pathlib import Path
import numpy as np
import librosa, soundfile as sf

WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']
ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland']
VARIANTS = ['m1', 'm3', 'f1', 'f3']   # espeak-ng voice variants: two male, two female timbres
RATES = [140, 175]                     # words per minute
SR = 8000                              # FSDD's sample rate
TEST_VOICES = {'en-gb-scotland+f3', 'en-us+m3'}  # held-out voices: the test split

def speak(word:str, voice:str, rate:int) -> np.ndarray:
    wav = subprocess.run(['espeak-ng', '-v', voice, '-s', str(rate), '--stdout', word], check=True, capture_output=True).stdout
    y, sr = sf.read(io.BytesIO(wav), dtype='float32')
    y = librosa.resample(y, orig_sr=sr, target_sr=SR)
    y, _ = librosa.effects.trim(y, top_db=40)  # FSDD clips are trimmed to near-minimal silence
    return y

def main(out:Path):
    out.mkdir(parents=True, exist_ok=True); (out / 'recordings').mkdir(exist_ok=True)
    rows = []
    for a in ACCENTS:
        for v in VARIANTS:
            voice = f'{a}+{v}'; speaker = f'{a}-{v}'
            for take, rate in enumerate(RATES):
                for digit, word in enumerate(WORDS):
                    y = speak(word, voice, rate)
                    rel = f'recordings/{digit}_{speaker}_{take}.flac'
                    sf.write(out / rel, y, SR, subtype='PCM_16')
                    rows.append({'path': rel, 'digit': digit, 'speaker': speaker, 'index': take, 'sample_rate': SR,
                                 'frames': len(y), 'duration_s': round(len(y) / SR, 4), 'bytes': (out / rel).stat().st_size,
                                 'split': 'test' if voice in TEST_VOICES else 'train'})
    with open(out / 'manifest.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, list(rows[0])); w.writeheader(); w.writerows(rows)
    print(f'{len(rows)} clips, {sum(r["bytes"] for r in rows) / 1e6:.2f} MB in {out}')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0]); p.add_argument('--out', default='data/speech_digits')
    main(Path(p.parse_args().out))
