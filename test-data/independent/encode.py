#!/usr/bin/env python3
"""Test-fixture encoder for transfer syntaxes dcmtk cannot write (pydicom + pylibjpeg-openjpeg).

usage: encode.py MODE IN OUT
  j2k-lossless  JPEG 2000 Lossless (1.2.840.10008.1.2.4.90)
  j2k-lossy     JPEG 2000 (1.2.840.10008.1.2.4.91), compression ratio 10
  to-8bit       rewrite a 16-bit CT slice as 8-bit unsigned (for JPEG baseline tests):
                stored = clip((HU + 1000) / 8, 0, 255), RescaleSlope 8, RescaleIntercept -1000
"""
import sys

import numpy as np
import pydicom
from pydicom.uid import JPEG2000, JPEG2000Lossless


def main() -> int:
    mode, src, dst = sys.argv[1:4]
    ds = pydicom.dcmread(src)
    if mode == "j2k-lossless":
        ds.compress(JPEG2000Lossless)
    elif mode == "j2k-lossy":
        ds.compress(JPEG2000, j2k_cr=[10])
    elif mode == "to-8bit":
        hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        stored = np.clip(np.round((hu + 1000.0) / 8.0), 0, 255).astype(np.uint8)
        ds.BitsAllocated = 8
        ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
        ds.RescaleSlope = 8
        ds.RescaleIntercept = -1000
        ds.PixelData = stored.tobytes()
        ds["PixelData"].VR = "OB"
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    ds.save_as(dst, enforce_file_format=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
