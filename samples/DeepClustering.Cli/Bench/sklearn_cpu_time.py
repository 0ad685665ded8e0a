#!/usr/bin/python3
"""scikit-learn peer timings with process CPU time as well as wall time, for comparisons on a shared machine
(as /work/shared/bench/peer_gmm.py: tol 0, float64, random init for KMeans, random_from_data for GaussianMixture;
times include initialisation). Usage: sklearn_cpu_time.py DATA.npy K kmeans|full|diag|spherical|tied ITERS
-> one JSON line with ms_per_iter (wall) and cpu_ms_per_iter (process CPU, all threads)."""
import json, sys, time, warnings
import numpy as np
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
warnings.filterwarnings("ignore")
x = np.load(sys.argv[1]).astype(np.float64)
k, what, iters = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if what == "kmeans":
    est = KMeans(k, n_init=1, max_iter=iters, tol=0.0, init="random", random_state=0, algorithm="lloyd")
else:
    est = GaussianMixture(k, covariance_type=what, max_iter=iters, tol=0.0, init_params="random_from_data", random_state=0)
t, c = time.perf_counter(), time.process_time()
est.fit(x)
dt, dc = time.perf_counter() - t, time.process_time() - c
n = max(int(est.n_iter_), 1)
print(json.dumps({"estimator": what, "ms_per_iter": round(1000 * dt / n, 3), "cpu_ms_per_iter": round(1000 * dc / n, 3), "n_iter": n}))
