"""Latent vs pixel video diffusion, speed side by side (issue 27): the same space-time denoiser (`FrameTranslator`,
widths 32/64, latent 16, 8 translator blocks, 16 frames) on 64x64 RGB pixels (fold 2: 32x32 inside) and on the latents
of the shipped text-to-image VAE (`text_to_image_shapes/vae`: 16x16x4 per frame, fold 1), both conditioned on a
128-d text vector. Measured: one training step (forward + backward + Adam, batch 8, the masked-video loss) and one
generated clip (25 denoiser calls at batch 1, plus the VAE decoding 16 frames for the latent model, also timed
alone), median of
--repeats after a warm-up, one torch thread. Quality needs trained models: see benchmarks/text_to_video.py (to come).

    OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/video_latent_speed.py --out benchmarks/results/video_latent_speed.json
"""
import argparse, statistics, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, command_line, utc_now, write_json_atomic
from multidiff.video.model import FrameTranslator, LatentClipCodec, training_masks


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); out.append(time.perf_counter() - t0)
    return statistics.median(out)


def setting(channels: int, size: int, fold: int, batch: int, repeats: int, decode=None) -> dict:
    net = FrameTranslator(frames=16, in_channels=channels, widths=(32, 64), latent=16, blocks=8, fold=fold,
                          size=size, cond_dim=128)
    opt = torch.optim.Adam(net.parameters(), 1e-4)
    g = torch.Generator().manual_seed(0)
    x, text = torch.randn(batch, channels, 16, size, size, generator=g), torch.randn(batch, 128, generator=g)
    mask = training_masks(batch, 16, g)
    t = torch.randint(0, 1000, (batch,), generator=g)

    def step():
        loss = ((net(x, t, {'mask': mask, 'text': text}) - x) ** 2 * (1 - mask)).mean()
        opt.zero_grad(); loss.backward(); opt.step()

    def clip():
        with torch.no_grad():
            z = x[:1]
            for k in range(25): z = net(z, torch.tensor([999 - 40 * k]), {'mask': mask[:1] * 0, 'text': text[:1]})
            if decode is not None: decode(z)

    return {'parameters': sum(p.numel() for p in net.parameters()), 'values_per_frame': channels * size * size,
            'train_step_seconds': timed(step, repeats), 'clip_seconds': timed(clip, repeats)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--vae', default='text_to_image_shapes', help='a shipped text-to-image pipeline whose VAE encodes frames')
    ap.add_argument('--out', default='benchmarks/results/video_latent_speed.json')
    a = ap.parse_args()
    torch.set_num_threads(1)
    from multidiff.image.text_to_image import TextToImagePipeline
    codec = LatentClipCodec(TextToImagePipeline.from_pretrained(a.vae).vae.eval())
    pixel = setting(3, 64, 2, a.batch, a.repeats)
    latent = setting(codec.channels, 16, 1, a.batch, a.repeats, decode=codec.decode)
    z = torch.randn(1, codec.channels, 16, 16, 16, generator=torch.Generator().manual_seed(0))
    latent['vae_decode_seconds'] = timed(lambda: codec.decode(z), a.repeats)  # 16 frames, part of clip_seconds
    res = {'date': utc_now(), 'command': command_line(), 'environment': environment(('torch', 'diffusers')),
           'network': 'FrameTranslator(frames=16, widths=(32, 64), latent=16, blocks=8, cond_dim=128)',
           'batch': a.batch, 'repeats': a.repeats, 'pixel_64x64x3': pixel, f'latent_16x16x{codec.channels}': latent,
           'speedup': {'train_step': pixel['train_step_seconds'] / latent['train_step_seconds'],
                       'clip': pixel['clip_seconds'] / latent['clip_seconds']}}
    write_json_atomic(Path(a.out), res)
    print({k: res[k] for k in ('speedup',)}, pixel, latent)


if __name__ == '__main__':
    main()
