#!/usr/bin/env python3
"""Independent reference reader for tests: decodes one frame with pydicom and writes the
rescaled values (stored x RescaleSlope + RescaleIntercept) as little-endian float64 to OUT.

usage: pixels.py FILE OUT [FRAME]
"""
import sys

import numpy as np
import pydicom


def main() -> int:
    path, out = sys.argv[1], sys.argv[2]
    frame = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1:
        arr = arr[frame]
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    values = arr.astype(np.float64) * slope + intercept
    values.astype("<f8").tofile(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
