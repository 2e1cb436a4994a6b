"""Write data/photos/*.png: a few of scikit-image's bundled public-domain / CC0 photos, for tests, the tutorial and the demo.

Run: .venv/bin/python tools/make_photo_sample.py   (needs `pip install scikit-image`; the output is committed)
Sources and licenses (scikit-image's data/README): astronaut (NASA, public domain), camera (CC0), coffee (Rachel Michetti, CC0),
chelsea (Stefan van der Walt, CC0), rocket (SpaceX, CC0 / public domain).
"""
from pathlib import Path
import numpy as np
from PIL import Image
import skimage.data

PHOTOS = {'astronaut': None, 'camera': None, 'coffee': None, 'chelsea': None, 'rocket': None}

def main(out=Path(__file__).resolve().parents[1] / 'data' / 'photos'):
    out.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        a = getattr(skimage.data, name)()
        im = Image.fromarray(a)
        # crop to a multiple of 8 so that x2/x4/x8 benchmarks can downscale exactly
        im = im.crop((0, 0, im.width - im.width % 8, im.height - im.height % 8))
        im.save(out / f'{name}.png', optimize=True)
        print(name, im.size, im.mode, (out / f'{name}.png').stat().st_size)

if __name__ == '__main__': main()
