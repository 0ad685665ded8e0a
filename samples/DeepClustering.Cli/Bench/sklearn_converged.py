#!/usr/bin/python3
"""Converged reference for `bench gmm`: scikit-learn GaussianMixture with its defaults (k-means init, tol 1e-3)
on a .npy file, float64.  Usage: sklearn_converged.py DATA.npy K COV [MAX_ITER]  -> one JSON line."""
import json, sys, time, warnings
import numpy as np
from sklearn.mixture import GaussianMixture
warnings.filterwarnings("ignore")
path, k, cov = sys.argv[1], int(sys.argv[2]), sys.argv[3]
max_iter = int(sys.argv[4]) if len(sys.argv) > 4 else 100
x = np.load(path).astype(np.float64)
t = time.perf_counter()
g = GaussianMixture(k, covariance_type=cov, max_iter=max_iter, random_state=0).fit(x)
dt = time.perf_counter() - t
print(json.dumps({"cov": cov, "k": k, "iterations": int(g.n_iter_), "converged": bool(g.converged_),
                  "fit_s": round(dt, 3), "ms_per_iteration": round(1000 * dt / max(g.n_iter_, 1), 3),
                  "mean_log_likelihood": float(g.score(x))}))
