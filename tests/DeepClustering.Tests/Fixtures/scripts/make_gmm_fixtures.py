#!/usr/bin/python3
"""Parity fixture for the EM engine (GaussianMixture), computed with scikit-learn's GaussianMixture.

Run (Debian packages python3-sklearn python3-numpy; deterministic, fixed numpy seed):
    /usr/bin/python3 tests/DeepClustering.Tests/Fixtures/scripts/make_gmm_fixtures.py
It rewrites tests/DeepClustering.Tests/Fixtures/gmm_parity.json.

What sklearn computes (version recorded in the JSON; read from sklearn/mixture/_base.py and
_gaussian_mixture.py of 1.2.1). K components, D features, N samples, natural logs, float64.

Initialisation from the given *_init (all three are given, so the k-means responsibilities that fit()
computes first are discarded):
    weights_  = weights_init;  means_ = means_init
    precisions_cholesky_ = cholesky(precisions_init, lower=True)   (full: per component, tied: one matrix)
                         = sqrt(precisions_init)                  (diag, spherical)
  NOTE: the init Cholesky factor is LOWER triangular L with precision = L L^T, whereas every factor
  computed by the M-step (below) is UPPER triangular; both satisfy precision = P P^T, and the E-step only
  uses y = (x - mu) @ P and log|det P| = sum(log diag P), so either works.

One EM iteration (BaseMixture.fit_predict, in this order):
    log_prob_norm, log_resp = _e_step(X)        # with the CURRENT parameters
    _m_step(X, log_resp)
    lower_bound = log_prob_norm                 # GaussianMixture._compute_lower_bound ignores log_resp
  so lower_bound_ of iteration t is the mean log-likelihood of X under the parameters BEFORE the
  M-step of iteration t: lower_bounds[0] is the log-likelihood at the initial parameters, lower_bounds[t]
  the one after t M-steps; `score` is the log-likelihood after all 30 M-steps (= the 31st value).

E-step:
    log N(x | mu_k, P_k) = -0.5 * (D * log(2*pi) + ||(x - mu_k) @ P_k||^2) + log_det_chol_k
        log_det_chol_k = sum(log(diag(P_k)))        full / tied (tied: one P for every k)
                       = sum_d log(P_kd)             diag  (P is K x D: 1/sqrt(var))
                       = D * log(P_k)                spherical (P is K: 1/sqrt(var))
        (diag/spherical use the expanded form sum(mu^2 * prec) - 2 x.(mu * prec) + x^2.prec with
         prec = P^2; same value up to rounding)
    weighted_kn = log N + log(weights_k)
    log_prob_norm_n = logsumexp_k(weighted_kn);  log_resp = weighted - log_prob_norm_n
    _e_step returns mean_n(log_prob_norm_n) and log_resp.

M-step (_estimate_gaussian_parameters with resp = exp(log_resp)):
    nk = resp.sum(0) + 10 * eps            (eps = 2.220446049250313e-16)
    means = resp.T @ X / nk
    full:      cov_k = (resp_k * (X - mu_k)).T @ (X - mu_k) / nk_k + reg_covar * I
    tied:      cov   = (X.T @ X - (nk * means.T) @ means) / nk.sum() + reg_covar * I
    diag:      cov_kd = (resp.T @ X^2)/nk - 2 * means * (resp.T @ X)/nk + means^2 + reg_covar
    spherical: var_k = mean_d(diag cov_kd)        (the diag formula, then averaged over d; reg included)
    weights = nk / nk.sum()                        (note: nk already includes the 10*eps)
    precisions_cholesky_: full/tied: C = cholesky(cov, lower=True); P = solve_triangular(C, I, lower=True).T
                          (UPPER triangular, P P^T = cov^-1);  diag/spherical: P = 1 / sqrt(cov)

Shapes (K = 3, D = 3 here):
    weights (K)   means (K, D)
    full:      covariances / precisions_init / precisions_cholesky  (K, D, D)
    tied:      (D, D)
    diag:      (K, D)
    spherical: (K)

How the values are produced: GaussianMixture(n_components=3, covariance_type=..., reg_covar=1e-6,
weights_init, means_init, precisions_init, max_iter=1, warm_start=True, tol=0, random_state=0) and
fit(X) called 30 times; lower_bound_ is read after each call (with warm_start the 2nd..30th calls skip
initialisation and start from the previous parameters and lower bound). The script cross-checks against a
single fit(max_iter=30), asserts that the lower bounds never decrease, and re-computes everything with an
independent plain-numpy implementation of the formulas above (ref_em) to check this documentation.

JSON layout:
{
  "sklearn_version": str, "numpy_version": str,
  "n_components": 3, "reg_covar": 1e-6, "iterations": 30,
  "X": [[x0, x1, x2] * 300],            float64
  "y": [int * 300],                     generating component of each row (not used by sklearn)
  "cases": {
    "full" | "diag" | "spherical" | "tied": {
      "weights_init": [K], "means_init": [K][D], "precisions_init": <shape per type>,
      "precisions_cholesky_init": <shape per type>,   # what sklearn derives from precisions_init (lower)
      "lower_bounds": [30 floats],      # lower_bound_ after call t = mean log-lik before M-step t
      "first_step": {"weights", "means", "covariances", "precisions_cholesky"},   # after ONE M-step
      "weights": [K], "means": [K][D], "covariances": <shape>, "precisions_cholesky": <shape>,
      "precisions": <shape>,            # P P^T (full/tied) or P^2 (diag/spherical)
      "score": float,                   # score(X) with the final parameters
      "score_samples_head": [10 floats],  # per-sample log-likelihood of X[0:10], final parameters
      "labels": [300 ints]              # predict(X) with the final parameters
    }
  }
}
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "gmm_parity.json")
ITERATIONS = 30
K = 3
REG = 1e-6


def make_data():
    """300 x 3, three Gaussian components with distinct full covariances, some overlap."""
    rng = np.random.default_rng(20240611)
    sizes = [130, 100, 70]
    means = np.array([[0.0, 0.0, 0.0], [3.5, 1.0, -1.0], [1.0, 4.0, 2.0]])
    covs = [
        np.array([[1.0, 0.3, 0.0], [0.3, 0.8, 0.2], [0.0, 0.2, 0.6]]),
        np.array([[0.5, -0.2, 0.1], [-0.2, 1.5, 0.0], [0.1, 0.0, 0.9]]),
        np.array([[2.0, 0.6, -0.4], [0.6, 0.7, 0.0], [-0.4, 0.0, 1.2]]),
    ]
    X = np.vstack([rng.multivariate_normal(means[k], covs[k], size=sizes[k]) for k in range(K)])
    y = np.concatenate([np.full(sizes[k], k) for k in range(K)])
    order = rng.permutation(len(X))
    return X[order], y[order]


X, y = make_data()
D = X.shape[1]

WEIGHTS_INIT = np.array([0.5, 0.3, 0.2])
MEANS_INIT = np.array([[1.0, 1.0, 0.5], [2.5, -0.5, 0.0], [0.0, 3.0, 3.0]])
PRECISIONS_INIT = {
    "full": np.array([
        [[1.0, 0.2, 0.0], [0.2, 1.0, 0.1], [0.0, 0.1, 1.0]],
        [[0.5, 0.0, 0.1], [0.0, 0.7, 0.0], [0.1, 0.0, 0.6]],
        [[2.0, -0.3, 0.0], [-0.3, 1.5, 0.2], [0.0, 0.2, 1.0]],
    ]),
    "tied": np.array([[0.9, 0.2, 0.0], [0.2, 1.1, -0.1], [0.0, -0.1, 0.8]]),
    "diag": np.array([[1.0, 0.8, 1.2], [0.5, 0.9, 0.7], [2.0, 1.0, 0.6]]),
    "spherical": np.array([1.0, 0.6, 1.5]),
}


def to_list(a):
    return np.asarray(a, dtype=np.float64).tolist()


def params(gm):
    return {"weights": to_list(gm.weights_), "means": to_list(gm.means_),
            "covariances": to_list(gm.covariances_), "precisions_cholesky": to_list(gm.precisions_cholesky_)}


def make_model(covariance_type, max_iter, warm_start):
    return GaussianMixture(n_components=K, covariance_type=covariance_type, reg_covar=REG,
                           weights_init=WEIGHTS_INIT, means_init=MEANS_INIT,
                           precisions_init=PRECISIONS_INIT[covariance_type],
                           max_iter=max_iter, warm_start=warm_start, tol=0, random_state=0)


# ---- Independent re-implementation of the formulas in the header (plain numpy, no sklearn internals):
# checks that the documentation above reproduces sklearn's numbers.
EPS = np.finfo(np.float64).eps


def ref_log_gauss(X, means, P, ct):
    n, d = X.shape
    out = np.empty((n, len(means)))
    for k, mu in enumerate(means):
        if ct == "full":
            Pk = P[k]
            ldc = np.sum(np.log(np.diag(Pk)))
            q = np.sum(((X - mu) @ Pk) ** 2, axis=1)
        elif ct == "tied":
            ldc = np.sum(np.log(np.diag(P)))
            q = np.sum(((X - mu) @ P) ** 2, axis=1)
        elif ct == "diag":
            ldc = np.sum(np.log(P[k]))
            q = np.sum(((X - mu) * P[k]) ** 2, axis=1)
        else:
            ldc = d * np.log(P[k])
            q = np.sum((X - mu) ** 2, axis=1) * P[k] ** 2
        out[:, k] = -0.5 * (d * np.log(2 * np.pi) + q) + ldc
    return out


def ref_em(ct, iterations):
    w, mu = WEIGHTS_INIT.copy(), MEANS_INIT.copy()
    prec = PRECISIONS_INIT[ct]
    if ct == "full":
        P = np.array([np.linalg.cholesky(p) for p in prec])
    elif ct == "tied":
        P = np.linalg.cholesky(prec)
    else:
        P = np.sqrt(prec)
    lbs = []
    n, d = X.shape
    for _ in range(iterations):
        weighted = ref_log_gauss(X, mu, P, ct) + np.log(w)
        m = weighted.max(axis=1, keepdims=True)
        norm = (m + np.log(np.exp(weighted - m).sum(axis=1, keepdims=True)))[:, 0]
        resp = np.exp(weighted - norm[:, None])
        lbs.append(norm.mean())
        nk = resp.sum(axis=0) + 10 * EPS
        mu = resp.T @ X / nk[:, None]
        if ct == "full":
            cov = np.array([((resp[:, k, None] * (X - mu[k])).T @ (X - mu[k])) / nk[k] + REG * np.eye(d) for k in range(K)])
            P = np.array([np.linalg.inv(np.linalg.cholesky(c)).T for c in cov])
        elif ct == "tied":
            cov = (X.T @ X - (nk * mu.T) @ mu) / nk.sum() + REG * np.eye(d)
            P = np.linalg.inv(np.linalg.cholesky(cov)).T
        else:
            diag = (resp.T @ X ** 2) / nk[:, None] - 2 * mu * (resp.T @ X) / nk[:, None] + mu ** 2 + REG
            cov = diag if ct == "diag" else diag.mean(axis=1)
            P = 1.0 / np.sqrt(cov)
        w = nk / nk.sum()
    return np.array(lbs), w, mu, cov, P


cases = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for ct in ("full", "diag", "spherical", "tied"):
        gm = make_model(ct, max_iter=1, warm_start=True)
        lower_bounds = []
        first_step = None
        for t in range(ITERATIONS):
            gm.fit(X)
            lower_bounds.append(float(gm.lower_bound_))
            if t == 0:
                first_step = params(gm)
        lb = np.array(lower_bounds)
        steps = np.diff(lb)
        assert np.all(steps >= 0.0), f"{ct}: lower bound decreased: min step {steps.min()!r}"

        # Cross-check: one fit with max_iter=30 must reach the same parameters and final lower bound.
        one = make_model(ct, max_iter=ITERATIONS, warm_start=False).fit(X)
        assert one.lower_bound_ == lower_bounds[-1], (ct, one.lower_bound_, lower_bounds[-1])
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
            assert np.array_equal(getattr(one, name), getattr(gm, name)), (ct, name)

        # The documented formulas reproduce sklearn.
        r_lbs, r_w, r_mu, r_cov, r_P = ref_em(ct, ITERATIONS)
        assert np.allclose(r_lbs, lb, rtol=0, atol=1e-10), (ct, np.abs(r_lbs - lb).max())
        for mine, theirs in ((r_w, gm.weights_), (r_mu, gm.means_), (r_cov, gm.covariances_), (r_P, gm.precisions_cholesky_)):
            assert np.allclose(mine, theirs, rtol=1e-8, atol=1e-10), (ct, np.abs(mine - theirs).max())

        # The initial factor sklearn derives from precisions_init.
        init = make_model(ct, max_iter=1, warm_start=False)
        init._check_parameters(X)
        init._initialize(X, np.full((len(X), K), 1.0 / K))

        case = {
            "weights_init": to_list(WEIGHTS_INIT),
            "means_init": to_list(MEANS_INIT),
            "precisions_init": to_list(PRECISIONS_INIT[ct]),
            "precisions_cholesky_init": to_list(init.precisions_cholesky_),
            "lower_bounds": lower_bounds,
            "first_step": first_step,
        }
        case.update(params(gm))
        case["precisions"] = to_list(gm.precisions_)
        case["score"] = float(gm.score(X))
        case["score_samples_head"] = to_list(gm.score_samples(X[:10]))
        case["labels"] = [int(v) for v in gm.predict(X)]
        cases[ct] = case
        print(f"{ct:9s} lb[0]={lower_bounds[0]:.6f} lb[29]={lower_bounds[-1]:.10f} score={case['score']:.10f} "
              f"last step={steps[-1]:.3e} min step={steps.min():.3e}")

doc = {
    "sklearn_version": sklearn.__version__,
    "numpy_version": np.__version__,
    "n_components": K,
    "reg_covar": REG,
    "iterations": ITERATIONS,
    "X": X.tolist(),
    "y": [int(v) for v in y],
    "cases": cases,
}
with open(OUT, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print(f"wrote {OUT}")
