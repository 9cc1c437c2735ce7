#!/usr/bin/env python3
"""Generate JPEG-LS test streams with CharLS 2.x (PyPI `pillow-jpls`).

Usage: gen_pillow_jpls.py OUTDIR

For every case writes OUTDIR/NAME.jls (codestream), OUTDIR/NAME.src (source
samples, u16 little endian, interleaved per pixel) and OUTDIR/NAME.ref
(CharLS's own decoding, same layout), and one line per case in
OUTDIR/manifest.txt: "NAME WIDTH HEIGHT COMPONENTS BITS NEAR".
Exits with status 3 when pillow-jpls or numpy is not installed.
"""
import os
import sys

try:
    import numpy as np
    import pillow_jpls._pycharls as charls
except ImportError as e:  # pragma: no cover
    print(f"pillow-jpls/numpy missing: {e}", file=sys.stderr)
    sys.exit(3)


def image(w, h, c, bits, kind, seed, maxval=None):
    rng = np.random.default_rng(seed)
    m = (1 << bits) - 1 if maxval is None else maxval
    y, x = np.mgrid[0:h, 0:w]
    planes = []
    for comp in range(c):
        if kind == "noise":
            p = rng.integers(0, m + 1, size=(h, w))
        elif kind == "flat":
            p = ((x // 250 + y // 13 + comp) * 2654435761) % (m + 1)
            spikes = rng.integers(0, 300, size=(h, w)) == 0
            p = np.where(spikes, rng.integers(0, m + 1, size=(h, w)), p)
        else:
            base = (x * 5 + y * 3 + comp * 40) * m // (w * 5 + h * 3 + 80)
            wave = np.sin(x / 7.0) * np.cos(y / 11.0) * m / 6
            p = base + wave + rng.integers(-4, 5, size=(h, w)) * max(1, m // 255)
        planes.append(np.clip(p, 0, m).astype(np.uint16))
    return np.stack(planes, axis=-1)


CASES = [
    # name, w, h, c, bits, kind, encoder kwargs
    ("gray8_smooth", 91, 57, 1, 8, "smooth", {}),
    ("gray8_noise", 64, 40, 1, 8, "noise", {}),
    ("gray8_flat", 1200, 20, 1, 8, "flat", {}),
    ("gray8_near2", 91, 57, 1, 8, "smooth", {"near_lossless": 2}),
    ("gray2", 50, 30, 1, 2, "noise", {}),
    ("gray3_flat", 300, 20, 1, 3, "flat", {}),
    ("gray5", 50, 30, 1, 5, "smooth", {}),
    ("gray6_near1", 60, 30, 1, 6, "smooth", {"near_lossless": 1}),
    ("gray7", 60, 30, 1, 7, "noise", {}),
    ("gray7_near2", 60, 30, 1, 7, "smooth", {"near_lossless": 2}),
    ("gray10", 70, 33, 1, 10, "smooth", {}),
    ("gray12_near3", 70, 33, 1, 12, "smooth", {"near_lossless": 3}),
    ("gray16_noise", 40, 30, 1, 16, "noise", {}),
    ("gray16_flat_near2", 900, 12, 1, 16, "flat", {"near_lossless": 2}),
    ("gray8_thresholds", 60, 40, 1, 8, "smooth", {"t1": 4, "t2": 9, "t3": 20, "reset": 30}),
    # LSE MAXVAL below 2^P-1 (RANGE, the default thresholds and the initial
    # A follow MAXVAL, not P), lossless and near-lossless.
    ("gray8_maxval200", 60, 40, 1, 8, "smooth", {"maxval": 200}),
    ("gray8_maxval200_near2", 60, 40, 1, 8, "smooth", {"maxval": 200, "near_lossless": 2}),
    ("gray8_maxval200_flat", 700, 12, 1, 8, "flat", {"maxval": 200}),
    ("gray10_maxval1000", 70, 33, 1, 10, "smooth", {"maxval": 1000}),
    ("gray10_maxval1000_near2", 70, 33, 1, 10, "smooth", {"maxval": 1000, "near_lossless": 2}),
    ("gray12_maxval3000", 70, 33, 1, 12, "smooth", {"maxval": 3000}),
    ("gray12_maxval3000_near2", 70, 33, 1, 12, "noise", {"maxval": 3000, "near_lossless": 2}),
    ("gray16_maxval60000", 60, 30, 1, 16, "smooth", {"maxval": 60000}),
    ("gray16_maxval60000_near2", 900, 12, 1, 16, "flat", {"maxval": 60000, "near_lossless": 2}),
    ("rgb8_ilv0", 45, 30, 3, 8, "smooth", {"interleave_mode": 0}),
    ("rgb8_ilv1", 45, 30, 3, 8, "smooth", {"interleave_mode": 1}),
    ("rgb8_ilv2", 45, 30, 3, 8, "smooth", {"interleave_mode": 2}),
    ("rgb8_ilv2_flat", 700, 10, 3, 8, "flat", {"interleave_mode": 2}),
    ("rgb8_ilv1_near3", 45, 30, 3, 8, "noise", {"interleave_mode": 1, "near_lossless": 3}),
    ("rgb8_ilv2_near2", 45, 30, 3, 8, "smooth", {"interleave_mode": 2, "near_lossless": 2}),
    ("rgb16_ilv2", 30, 20, 3, 16, "smooth", {"interleave_mode": 2}),
    ("rgba8_ilv1", 30, 20, 4, 8, "smooth", {"interleave_mode": 1}),
    ("rgba8_ilv2", 30, 20, 4, 8, "flat", {"interleave_mode": 2}),
]


def main(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    for i, (name, w, h, c, bits, kind, kw) in enumerate(CASES):
        px = image(w, h, c, bits, kind, i, kw.get("maxval"))
        fi = charls.FrameInfo()
        fi.width, fi.height, fi.component_count, fi.bits_per_sample = w, h, c, bits
        kw = dict(kw)
        if "interleave_mode" in kw:
            kw["interleave"] = ["none", "line", "sample"][kw.pop("interleave_mode")]
        # pillow-jpls takes and returns pixel-interleaved buffers in every mode.
        raw = px.astype("<u1" if bits <= 8 else "<u2").tobytes()
        try:
            stream = bytes(charls.encode(raw, fi, **kw))
        except Exception as e:  # an option this CharLS build rejects
            print(f"{name}: encoder refused ({e}), skipped", file=sys.stderr)
            continue
        ref = np.frombuffer(bytes(charls.decode(stream)), dtype="<u1" if bits <= 8 else "<u2")
        with open(os.path.join(out, name + ".jls"), "wb") as f:
            f.write(stream)
        with open(os.path.join(out, name + ".src"), "wb") as f:
            f.write(px.astype("<u2").tobytes())
        with open(os.path.join(out, name + ".ref"), "wb") as f:
            f.write(ref.astype("<u2").tobytes())
        lines.append(f"{name} {w} {h} {c} {bits} {kw.get('near_lossless', 0)}")
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
