#!/usr/bin/env python3
"""Independent reference for `uptake probe`: reads a directory of one CT or PET series with
pydicom, builds the image->patient affine with numpy from ImagePositionPatient /
ImageOrientationPatient / PixelSpacing, and prints JSON with the nearest voxel [i, j, k]
(column, row, slice in position order along the slice normal) and its rescaled value at an
LPS point, or nulls when the point is outside the volume.

usage: probe.py DIR X Y Z
"""
import json
import os
import sys

import numpy as np
import pydicom


def main() -> int:
    folder = sys.argv[1]
    point = np.array([float(v) for v in sys.argv[2:5]])
    slices = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        try:
            ds = pydicom.dcmread(path)
        except Exception:  # not DICOM
            continue
        if "PixelData" not in ds:
            continue
        slices.append(ds)
    first = slices[0]
    iop = np.array([float(v) for v in first.ImageOrientationPatient])
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    slices.sort(key=lambda d: float(np.dot(normal, [float(v) for v in d.ImagePositionPatient])))
    positions = np.array([[float(v) for v in d.ImagePositionPatient] for d in slices])
    dr, dc = (float(v) for v in first.PixelSpacing)  # between rows, between columns
    step = (positions[-1] - positions[0]) / (len(slices) - 1)
    affine = np.column_stack([row_dir * dc, col_dir * dr, step])
    index = np.linalg.solve(affine, point - positions[0])
    voxel = np.rint(index).astype(int)
    dims = (int(first.Columns), int(first.Rows), len(slices))
    result = {"voxel": None, "value": None}
    if all(0 <= voxel[a] < dims[a] for a in range(3)):
        ds = slices[voxel[2]]
        stored = ds.pixel_array[voxel[1], voxel[0]]
        value = float(stored) * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
        result = {"voxel": [int(v) for v in voxel], "value": value}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
