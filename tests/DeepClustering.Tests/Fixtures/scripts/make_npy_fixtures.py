#!/usr/bin/env python3
"""Writes the .npy fixtures of tests/DeepClustering.Tests/Data/NpyReaderTests.cs with NumPy itself, so the
reader is checked against files that np.save really produced (not only against bytes our tests assemble).
Run with Debian's numpy: /usr/bin/python3 make_npy_fixtures.py (written with numpy 1.24.2). The values are
simple formulas that the tests recompute: base = arange(12).reshape(3, 4)."""
import os
import numpy as np
from numpy.lib import format as npformat

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "npy")
os.makedirs(out, exist_ok=True)
base = np.arange(12).reshape(3, 4)

def save(name, arr, version=None, allow_pickle=False):
    with open(os.path.join(out, name), "wb") as f:
        npformat.write_array(f, arr, version=version, allow_pickle=allow_pickle)

# Supported: one file per dtype, values base * 0.5 (floats) or base (integers), 3 x 4.
save("f4.npy", (base * 0.5).astype("<f4"))
save("f8.npy", (base * 0.5).astype("<f8"))
save("f2.npy", (base * 0.5).astype("<f2"))
save("i4.npy", base.astype("<i4"))
save("i8.npy", base.astype("<i8"))
save("i2.npy", (base - 6).astype("<i2"))
save("i1.npy", (base - 6).astype("|i1"))
save("u1.npy", base.astype("|u1"))
save("u2.npy", base.astype("<u2"))
save("b1.npy", (base % 2 == 1))
save("f4_v2.npy", (base * 0.5).astype("<f4"), version=(2, 0))
save("f4_v3.npy", (base * 0.5).astype("<f4"), version=(3, 0))
save("labels_i8.npy", np.array([0, 1, 2, 1, 0], dtype="<i8"))
save("images_3d_u1.npy", np.arange(2 * 3 * 4, dtype="|u1").reshape(2, 3, 4))
# Channels last (n, h, w, c): value = 100*c + 10*y + x, so the transposed rows are easy to check.
n, h, w, c = 2, 5, 6, 3
nhwc = np.zeros((n, h, w, c), dtype="<f4")
for i in range(n):
    for y in range(h):
        for x in range(w):
            for k in range(c):
                nhwc[i, y, x, k] = 1000 * i + 100 * k + 10 * y + x
save("images_nhwc_f4.npy", nhwc)
# Rejected with a clear message.
save("fortran.npy", np.asfortranarray((base * 0.5).astype("<f4")))
save("big_endian.npy", (base * 0.5).astype(">f4"))
save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
save("structured.npy", np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]))
save("complex.npy", np.zeros((2, 2), dtype="<c8"))
save("strings.npy", np.array(["ab", "cd"]))
save("nan.npy", np.array([[1, 2], [3, np.nan]], dtype="<f4"))
save("scalar.npy", np.array(3.0, dtype="<f4"))
save("empty.npy", np.zeros((0, 4), dtype="<f4"))
