#!/usr/bin/python3
"""Reference values for DeepClustering.Metrics, computed with scikit-learn / SciPy.

Run from anywhere with the Debian packages (python3-sklearn python3-numpy):
    /usr/bin/python3 tests/DeepClustering.Tests/Fixtures/scripts/make_metric_fixtures.py
It rewrites tests/DeepClustering.Tests/Fixtures/metrics_sklearn.json (deterministic: fixed numpy seed).

JSON layout
-----------
{
  "versions": {"sklearn": "...", "scipy": "...", "numpy": "..."},
  "labelings": [            # explicit label arrays (small N)
    {"name": str, "truth": [int], "predicted": [int],
     "classes": int, "clusters": int,
     "class_labels": [int], "cluster_labels": [int],        # np.unique order = row / column order
     "contingency": [[int]],                                # sklearn contingency_matrix (classes x clusters)
     "mi": float,                                           # mutual_info_score
     "nmi": {"arithmetic": f, "geometric": f, "min": f, "max": f},  # normalized_mutual_info_score(average_method=...)
     "ari": float,                                          # adjusted_rand_score
     "accuracy": float,                                     # linear_sum_assignment(contingency, maximize=True) / N
     "purity": float}                                       # sum of column maxima / N
  ],
  "blocks": [               # large N given compactly: expand each [truth, predicted, count] in order
    {"name": str, "blocks": [[t, p, count]], "n": int, ...same score fields, without "contingency"...}
  ],
  "assignments": [          # scipy.optimize.linear_sum_assignment on random cost matrices
    {"name": str, "rows": int, "columns": int, "cost": [[float]],
     "min_total": float, "max_total": float}
  ]
}
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, mutual_info_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "metrics_sklearn.json")
rng = np.random.default_rng(20240611)


def scores(truth, predicted, with_table=True):
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    table = contingency_matrix(truth, predicted)
    rows, cols = linear_sum_assignment(table, maximize=True)
    out = {
        "classes": int(table.shape[0]),
        "clusters": int(table.shape[1]),
        "class_labels": [int(v) for v in np.unique(truth)],
        "cluster_labels": [int(v) for v in np.unique(predicted)],
        "mi": float(mutual_info_score(truth, predicted)),
        "nmi": {m: float(normalized_mutual_info_score(truth, predicted, average_method=m))
                for m in ("arithmetic", "geometric", "min", "max")},
        "ari": float(adjusted_rand_score(truth, predicted)),
        "accuracy": float(table[rows, cols].sum() / len(truth)),
        "purity": float(table.max(axis=0).sum() / len(truth)),
    }
    if with_table:
        out["contingency"] = table.astype(int).tolist()
    return out


def relabel(labels, ids):
    """Maps 0..k-1 to arbitrary ids (negative, sparse, large)."""
    return [int(ids[v]) for v in labels]


labelings = []


def add(name, truth, predicted):
    case = {"name": name, "truth": [int(v) for v in truth], "predicted": [int(v) for v in predicted]}
    case.update(scores(truth, predicted))
    labelings.append(case)


# Edge cases sklearn treats specially.
add("single_point", [5], [-3])
add("two_points_same", [1, 1], [2, 2])
add("two_points_split", [1, 1], [2, 3])
add("all_one_cluster_vs_classes", [0, 0, 1, 1, 2, 2], [7, 7, 7, 7, 7, 7])
add("singletons_vs_singletons", [0, 1, 2, 3, 4], [9, 8, 7, 6, 5])
add("singletons_vs_one_class", [3, 3, 3, 3, 3], [0, 1, 2, 3, 4])
add("noise_label_minus_one", [0, 0, 0, 1, 1, 1, 2, 2], [-1, 4, 4, 9, 9, -1, 2, 2])
add("large_ids", [1000000, 1000000, -1000000, -1000000, 0, 0], [2147483647, 2147483647, -2147483648, 5, 5, 5])

# Random cases: independent labelings, and noisy relabelings of the truth (scores far from 0).
ID_POOL = np.array([-1000000, -7, -1, 0, 1, 2, 3, 5, 8, 13, 42, 99, 1000, 65536, 1000000, 2000000000])
for n in (7, 20, 60, 150, 400, 1000):
    for k_true, k_pred in ((2, 2), (3, 5), (6, 4), (8, 8), (1, 3), (10, 12)):
        truth = rng.integers(0, k_true, size=n)
        if rng.random() < 0.5:
            predicted = rng.integers(0, k_pred, size=n)
            kind = "independent"
        else:
            perm = rng.permutation(max(k_true, k_pred))
            predicted = perm[truth] % k_pred
            noise = rng.random(n) < 0.3
            predicted[noise] = rng.integers(0, k_pred, size=noise.sum())
            kind = "noisy"
        t_ids = rng.choice(ID_POOL, size=k_true, replace=False)
        p_ids = rng.choice(ID_POOL, size=k_pred, replace=False)
        add(f"random_{kind}_n{n}_k{k_true}_p{k_pred}", relabel(truth, t_ids), relabel(predicted, p_ids))

# Large N via blocks: MNIST-sized (70 000) with a realistic confusion pattern, and one million points.
blocks_cases = []


def add_blocks(name, blocks):
    truth = np.concatenate([np.full(c, t, dtype=np.int64) for t, p, c in blocks])
    predicted = np.concatenate([np.full(c, p, dtype=np.int64) for t, p, c in blocks])
    case = {"name": name, "blocks": [[int(t), int(p), int(c)] for t, p, c in blocks], "n": int(len(truth))}
    case.update(scores(truth, predicted, with_table=False))
    blocks_cases.append(case)


mnist_like = []
for c in range(10):
    total = 7000
    main = int(rng.integers(5000, 6900))
    mnist_like.append((c, (c * 3) % 10, main))
    rest = total - main
    others = rng.multinomial(rest, np.ones(11) / 11)
    for j, cnt in enumerate(others):
        if cnt > 0:
            mnist_like.append((c, j, int(cnt)))   # cluster 10 is a surplus cluster
add_blocks("mnist_like_70000_k10_p11", mnist_like)

million = []
for c in range(20):
    counts = rng.multinomial(50000, rng.dirichlet(np.ones(15) * 0.3))
    for j, cnt in enumerate(counts):
        if cnt > 0:
            million.append((c - 10, j * 1000, int(cnt)))
add_blocks("million_k20_p15", million)

# Linear assignment optimality.
assignments = []


def add_assignment(name, cost):
    cost = np.asarray(cost, dtype=np.float64)
    r, c = linear_sum_assignment(cost)
    rmax, cmax = linear_sum_assignment(cost, maximize=True)
    assignments.append({"name": name, "rows": int(cost.shape[0]), "columns": int(cost.shape[1]),
                        "cost": cost.tolist(),
                        "min_total": float(cost[r, c].sum()), "max_total": float(cost[rmax, cmax].sum())})


for rows, cols in ((1, 1), (1, 5), (5, 1), (3, 3), (5, 8), (8, 5), (12, 12), (30, 30), (50, 20), (20, 50), (80, 80)):
    add_assignment(f"uniform_{rows}x{cols}", np.round(rng.random((rows, cols)), 6))
    add_assignment(f"ties_{rows}x{cols}", rng.integers(0, 4, size=(rows, cols)))
for rows, cols in ((10, 10), (25, 40)):
    add_assignment(f"normal_{rows}x{cols}", np.round(rng.normal(0, 1000, size=(rows, cols)), 3))
    add_assignment(f"huge_{rows}x{cols}", np.round(rng.random((rows, cols)) * 1e9, 0))
# A contingency-like sparse profit matrix (mostly zeros), the shape Hungarian ACC sees.
sparse = np.zeros((40, 40))
idx = rng.integers(0, 40, size=(120, 2))
sparse[idx[:, 0], idx[:, 1]] = rng.integers(1, 500, size=120)
add_assignment("sparse_counts_40x40", sparse)

doc = {
    "versions": {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
    "labelings": labelings,
    "blocks": blocks_cases,
    "assignments": assignments,
}
with open(OUT, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {OUT}: {len(labelings)} labelings, {len(blocks_cases)} block cases, {len(assignments)} assignments")
