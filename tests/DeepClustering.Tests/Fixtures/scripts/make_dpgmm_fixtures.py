#!/usr/bin/python3
"""Parity fixture for the variational Dirichlet-process GMM, computed with scikit-learn's
BayesianGaussianMixture(weight_concentration_prior_type="dirichlet_process").

Run (Debian packages python3-sklearn python3-numpy; deterministic, fixed numpy seed):
    /usr/bin/python3 tests/DeepClustering.Tests/Fixtures/scripts/make_dpgmm_fixtures.py
It rewrites tests/DeepClustering.Tests/Fixtures/dpgmm_parity.json. It reuses the data set of
make_gmm_fixtures.py (same generator, 300 x 3, 3 true components).

Exact call order (BaseMixture.fit_predict of sklearn 1.2.1, with the random initial responsibilities
replaced by a GIVEN matrix `resp0`, N x 6, rows summing to 1):
    bgm = BayesianGaussianMixture(n_components=6, covariance_type=ct, reg_covar=1e-6,
                                  weight_concentration_prior_type="dirichlet_process", tol=0, max_iter=30)
    bgm._check_parameters(X)          # resolves the default priors (below)
    bgm._initialize(X, resp0)         # = an M-step with resp0: sets weight_concentration_, mean_precision_,
                                      #   means_, degrees_of_freedom_, covariances_, precisions_cholesky_
    for t in 1..30:
        log_prob_norm, log_resp = bgm._e_step(X)        # uses the current variational parameters
        bgm._m_step(X, log_resp)
        lower_bound[t] = bgm._compute_lower_bound(log_resp, log_prob_norm)   # AFTER the M-step, with the
                                                        # NEW parameters and the E-step's log_resp
    bgm._set_parameters(bgm._get_parameters())   # what fit does at the end: derives weights_ and precisions_
The script cross-checks this loop against a real fit(X) whose _initialize_parameters is patched to use
resp0 (same lower_bound_, identical parameters), and re-computes everything with an independent numpy/scipy
implementation of the formulas below (ref_dp) to check this documentation.

Resolved default priors (_check_parameters):
    weight_concentration_prior_ = 1 / n_components
    mean_precision_prior_       = 1.0
    mean_prior_                 = X.mean(axis=0)
    degrees_of_freedom_prior_   = n_features
    covariance_prior_           = full/tied: np.cov(X.T) (ddof 1, D x D); diag: X.var(0, ddof=1) (D);
                                  spherical: X.var(0, ddof=1).mean() (scalar)

M-step (_m_step, also used by _initialize): nk, xk, sk = _estimate_gaussian_parameters(X, resp, reg_covar, ct)
(the GaussianMixture M-step: nk = resp.sum(0) + 10*eps, xk = resp.T X / nk, sk = the covariance estimate of
that type INCLUDING + reg_covar), then
    weight_concentration_ = (1 + nk, prior + [sum_{j>k} nk_j for k])       (two arrays of length K)
    mean_precision_ = mean_precision_prior_ + nk                            (K)
    means_ = (mean_precision_prior_ * mean_prior_ + nk * xk) / mean_precision_
    full:      dof_k = dof_prior + nk_k;  cov_k = (cov_prior + nk_k sk_k + nk_k * mpp / mean_precision_k
                                                   * outer(xk_k - mean_prior, xk_k - mean_prior)) / dof_k
    tied:      dof = dof_prior + nk.sum()/K  (scalar);  cov = (cov_prior + sk * nk.sum()/K
                     + mpp/K * ((nk / mean_precision_) * diff.T) @ diff) / dof,  diff = xk - mean_prior
    diag:      dof_k = dof_prior + nk_k;  cov_kd = (cov_prior_d + nk_k (sk_kd + mpp/mean_precision_k diff_kd^2)) / dof_k
    spherical: dof_k = dof_prior + nk_k;  var_k = (cov_prior + nk_k (sk_k + mpp/mean_precision_k mean_d diff_kd^2)) / dof_k
    precisions_cholesky_ = _compute_precision_cholesky(covariances_, ct)   (as GaussianMixture: full/tied
                           UPPER triangular inv(chol(cov)).T; diag/spherical 1/sqrt(cov))
  (mpp = mean_precision_prior_.)

E-step: weighted_kn = _estimate_log_prob(X)_nk + _estimate_log_weights()_k
    log_gauss = GaussianMixture log-density with (means_, precisions_cholesky_) - 0.5 * D * log(dof_k)
    log_lambda_k = D log 2 + sum_{d=0}^{D-1} digamma(0.5 (dof_k - d))
    _estimate_log_prob = log_gauss + 0.5 * (log_lambda - D / mean_precision_)
    DP log weights: a, b = weight_concentration_; s = digamma(a + b)
                    log_w_k = digamma(a_k) - s_k + sum_{j<k} (digamma(b_j) - s_j)
    log_prob_norm_n = logsumexp_k(weighted); log_resp = weighted - log_prob_norm_n; _e_step returns
    (mean_n log_prob_norm_n, log_resp).  (tied: dof is a scalar, broadcast.)

Lower bound (_compute_lower_bound, up to a constant; it does NOT use log_prob_norm):
    log_det_chol_k = _compute_log_det_cholesky(precisions_cholesky_) - 0.5 * D * log(dof_k)
    log_wishart_norm(dof, ldc) = -(dof * ldc + dof * D * 0.5 * log 2 + sum_{d<D} gammaln(0.5 (dof - d)))
    log_wishart = sum_k log_wishart_norm(dof_k, log_det_chol_k)    (tied: K * log_wishart_norm(dof, ldc))
    log_norm_weight = -sum_k betaln(a_k, b_k)
    lower_bound = -sum(exp(log_resp) * log_resp) - log_wishart - log_norm_weight
                  - 0.5 * D * sum_k log(mean_precision_k)

Final weights_ (_set_parameters): w_k = a_k/(a_k+b_k) * prod_{j<k} b_j/(a_j+b_j), then w /= w.sum().

JSON layout:
{
  "sklearn_version": str, "numpy_version": str, "scipy_version": str,
  "n_components": 6, "reg_covar": 1e-6, "iterations": 30,
  "X": [[x0, x1, x2] * 300], "y": [int * 300],
  "initial_resp": [[6 floats] * 300],     # resp0, rows sum to 1 (same for every covariance type)
  "cases": {
    "full" | "diag" | "spherical" | "tied": {
      "priors": {"weight_concentration_prior": float, "mean_precision_prior": float,
                 "mean_prior": [D], "degrees_of_freedom_prior": float,
                 "covariance_prior": full/tied [D][D], diag [D], spherical float},
      "initial": {same keys as the final parameters below, after _initialize(X, resp0)},
      "lower_bounds": [30 floats],        # after the M-step of each iteration
      "log_prob_norms": [30 floats],      # _e_step's mean log normaliser of each iteration
      "weights": [K],
      "weight_concentration": [[K], [K]], # (alpha_k, beta_k) of the stick-breaking Beta posteriors
      "mean_precision": [K], "means": [K][D],
      "degrees_of_freedom": [K] (tied: float),
      "covariances": full [K][D][D], tied [D][D], diag [K][D], spherical [K],
      "precisions_cholesky": same shape as covariances,
      "labels": [300 ints]                 # argmax of the weighted log-probabilities (= predict(X))
    }
  }
}
"""
import json
import os
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "dpgmm_parity.json")
ITERATIONS = 30
K = 6
REG = 1e-6


def make_data():
    """Identical to make_gmm_fixtures.make_data (300 x 3, three Gaussian components)."""
    rng = np.random.default_rng(20240611)
    sizes = [130, 100, 70]
    means = np.array([[0.0, 0.0, 0.0], [3.5, 1.0, -1.0], [1.0, 4.0, 2.0]])
    covs = [
        np.array([[1.0, 0.3, 0.0], [0.3, 0.8, 0.2], [0.0, 0.2, 0.6]]),
        np.array([[0.5, -0.2, 0.1], [-0.2, 1.5, 0.0], [0.1, 0.0, 0.9]]),
        np.array([[2.0, 0.6, -0.4], [0.6, 0.7, 0.0], [-0.4, 0.0, 1.2]]),
    ]
    X = np.vstack([rng.multivariate_normal(means[k], covs[k], size=sizes[k]) for k in range(3)])
    y = np.concatenate([np.full(sizes[k], k) for k in range(3)])
    order = rng.permutation(len(X))
    return X[order], y[order]


X, y = make_data()
N, D = X.shape


def initial_responsibilities():
    """Each true component split over two of the six slots (by row parity), 80 % one-hot + 20 % noise."""
    rng = np.random.default_rng(7)
    labels = (2 * y + np.arange(N) % 2) % K
    one_hot = np.eye(K)[labels]
    noise = rng.random((N, K))
    noise /= noise.sum(axis=1, keepdims=True)
    resp = 0.8 * one_hot + 0.2 * noise
    return resp / resp.sum(axis=1, keepdims=True)


RESP0 = initial_responsibilities()


def make_model(ct, max_iter=ITERATIONS):
    return BayesianGaussianMixture(n_components=K, covariance_type=ct, reg_covar=REG,
                                   weight_concentration_prior_type="dirichlet_process",
                                   tol=0, max_iter=max_iter, random_state=0)


def to_list(a):
    a = np.asarray(a, dtype=np.float64)
    return float(a) if a.ndim == 0 else a.tolist()


def state(bgm):
    return {
        "weight_concentration": [to_list(bgm.weight_concentration_[0]), to_list(bgm.weight_concentration_[1])],
        "mean_precision": to_list(bgm.mean_precision_),
        "means": to_list(bgm.means_),
        "degrees_of_freedom": to_list(bgm.degrees_of_freedom_),
        "covariances": to_list(bgm.covariances_),
        "precisions_cholesky": to_list(bgm.precisions_cholesky_),
    }


class GivenStart(BayesianGaussianMixture):
    """fit() with the initial responsibilities replaced by RESP0 (for the cross-check only)."""

    def _initialize_parameters(self, X, random_state):
        self._initialize(X, RESP0)


# ---- Independent re-implementation of the formulas in the header (numpy + scipy.special only):
# checks that the documentation above reproduces sklearn's numbers.
from scipy.special import betaln, digamma, gammaln  # noqa: E402

EPS = np.finfo(np.float64).eps


def ref_gaussian_stats(resp, ct):
    nk = resp.sum(axis=0) + 10 * EPS
    xk = resp.T @ X / nk[:, None]
    if ct == "full":
        sk = np.array([((resp[:, k, None] * (X - xk[k])).T @ (X - xk[k])) / nk[k] + REG * np.eye(D) for k in range(K)])
    elif ct == "tied":
        sk = (X.T @ X - (nk * xk.T) @ xk) / nk.sum() + REG * np.eye(D)
    else:
        diag = (resp.T @ X ** 2) / nk[:, None] - 2 * xk * (resp.T @ X) / nk[:, None] + xk ** 2 + REG
        sk = diag if ct == "diag" else diag.mean(axis=1)
    return nk, xk, sk


def ref_m_step(resp, ct, pr):
    nk, xk, sk = ref_gaussian_stats(resp, ct)
    a = 1.0 + nk
    b = pr["wcp"] + np.concatenate((np.cumsum(nk[::-1])[-2::-1], [0.0]))
    mpp, m0, dof0, cov0 = pr["mpp"], pr["m0"], pr["dof0"], pr["cov0"]
    lam = mpp + nk
    means = (mpp * m0 + nk[:, None] * xk) / lam[:, None]
    diff = xk - m0
    if ct == "full":
        dof = dof0 + nk
        cov = np.array([(cov0 + nk[k] * sk[k] + nk[k] * mpp / lam[k] * np.outer(diff[k], diff[k])) / dof[k] for k in range(K)])
        P = np.array([np.linalg.inv(np.linalg.cholesky(c)).T for c in cov])
    elif ct == "tied":
        dof = dof0 + nk.sum() / K
        cov = (cov0 + sk * nk.sum() / K + mpp / K * ((nk / lam) * diff.T) @ diff) / dof
        P = np.linalg.inv(np.linalg.cholesky(cov)).T
    elif ct == "diag":
        dof = dof0 + nk
        cov = (cov0 + nk[:, None] * (sk + (mpp / lam)[:, None] * diff ** 2)) / dof[:, None]
        P = 1.0 / np.sqrt(cov)
    else:
        dof = dof0 + nk
        cov = (cov0 + nk * (sk + mpp / lam * np.mean(diff ** 2, axis=1))) / dof
        P = 1.0 / np.sqrt(cov)
    return dict(a=a, b=b, lam=lam, means=means, dof=dof, cov=cov, P=P)


def ref_log_det_chol(P, ct):
    if ct == "full":
        return np.array([np.sum(np.log(np.diag(p))) for p in P])
    if ct == "tied":
        return np.sum(np.log(np.diag(P)))
    if ct == "diag":
        return np.sum(np.log(P), axis=1)
    return D * np.log(P)


def ref_e_step(st, ct):
    n = len(X)
    log_gauss = np.empty((n, K))
    ldc = ref_log_det_chol(st["P"], ct) * np.ones(K)
    for k in range(K):
        mu = st["means"][k]
        if ct == "full":
            q = np.sum(((X - mu) @ st["P"][k]) ** 2, axis=1)
        elif ct == "tied":
            q = np.sum(((X - mu) @ st["P"]) ** 2, axis=1)
        elif ct == "diag":
            q = np.sum(((X - mu) * st["P"][k]) ** 2, axis=1)
        else:
            q = np.sum((X - mu) ** 2, axis=1) * st["P"][k] ** 2
        log_gauss[:, k] = -0.5 * (D * np.log(2 * np.pi) + q) + ldc[k]
    dof = st["dof"] * np.ones(K)
    log_gauss -= 0.5 * D * np.log(dof)
    log_lambda = D * np.log(2.0) + np.sum(digamma(0.5 * (dof[None, :] - np.arange(D)[:, None])), axis=0)
    log_prob = log_gauss + 0.5 * (log_lambda - D / st["lam"])
    a, b = st["a"], st["b"]
    s = digamma(a + b)
    log_w = digamma(a) - s + np.concatenate(([0.0], np.cumsum(digamma(b) - s)[:-1]))
    weighted = log_prob + log_w
    m = weighted.max(axis=1, keepdims=True)
    norm = m[:, 0] + np.log(np.exp(weighted - m).sum(axis=1))
    return norm.mean(), weighted - norm[:, None]


def ref_lower_bound(st, ct, log_resp):
    ldc = ref_log_det_chol(st["P"], ct) - 0.5 * D * np.log(st["dof"])

    def wishart_norm(dof, ldc_):
        return -(dof * ldc_ + dof * D * 0.5 * np.log(2.0) + np.sum(gammaln(0.5 * (dof - np.arange(D)))))

    if ct == "tied":
        log_wishart = K * wishart_norm(st["dof"], ldc)
    else:
        log_wishart = sum(wishart_norm(st["dof"][k], ldc[k]) for k in range(K))
    log_norm_weight = -np.sum(betaln(st["a"], st["b"]))
    return (-np.sum(np.exp(log_resp) * log_resp) - log_wishart - log_norm_weight
            - 0.5 * D * np.sum(np.log(st["lam"])))


def ref_dp(ct):
    if ct in ("full", "tied"):
        cov0 = np.cov(X.T)
    elif ct == "diag":
        cov0 = X.var(axis=0, ddof=1)
    else:
        cov0 = X.var(axis=0, ddof=1).mean()
    pr = dict(wcp=1.0 / K, mpp=1.0, m0=X.mean(axis=0), dof0=float(D), cov0=cov0)
    st = ref_m_step(RESP0, ct, pr)
    lbs = []
    for _ in range(ITERATIONS):
        _, log_resp = ref_e_step(st, ct)
        st = ref_m_step(np.exp(log_resp), ct, pr)
        lbs.append(ref_lower_bound(st, ct, log_resp))
    a, b = st["a"], st["b"]
    w = a / (a + b) * np.concatenate(([1.0], np.cumprod(b / (a + b))[:-1]))
    st["weights"] = w / w.sum()
    return np.array(lbs), st


cases = {}
for ct in ("full", "diag", "spherical", "tied"):
    bgm = make_model(ct)
    bgm._check_parameters(X)
    bgm._initialize(X, RESP0)
    initial = state(bgm)

    lower_bounds, log_prob_norms = [], []
    for t in range(ITERATIONS):
        log_prob_norm, log_resp = bgm._e_step(X)
        bgm._m_step(X, log_resp)
        lower_bounds.append(float(bgm._compute_lower_bound(log_resp, log_prob_norm)))
        log_prob_norms.append(float(log_prob_norm))
    bgm._set_parameters(bgm._get_parameters())

    steps = np.diff(lower_bounds)
    # Variational EM never lowers the bound; allow rounding noise once it has converged.
    assert np.all(steps >= -1e-9 * abs(lower_bounds[-1])), f"{ct}: lower bound decreased: {steps.min()!r}"

    # Cross-check the call order against sklearn's own fit loop.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = GivenStart(n_components=K, covariance_type=ct, reg_covar=REG,
                         weight_concentration_prior_type="dirichlet_process", tol=0,
                         max_iter=ITERATIONS, random_state=0).fit(X)
    assert ref.lower_bound_ == lower_bounds[-1], (ct, ref.lower_bound_, lower_bounds[-1])
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_", "mean_precision_", "degrees_of_freedom_"):
        assert np.array_equal(getattr(ref, name), getattr(bgm, name)), (ct, name)
    assert np.array_equal(ref.weight_concentration_[0], bgm.weight_concentration_[0])
    assert np.array_equal(ref.weight_concentration_[1], bgm.weight_concentration_[1])

    # The documented formulas reproduce sklearn.
    r_lbs, r = ref_dp(ct)
    assert np.allclose(r_lbs, lower_bounds, rtol=1e-11, atol=0), (ct, np.abs(r_lbs - lower_bounds).max())
    for mine, theirs in ((r["weights"], bgm.weights_), (r["means"], bgm.means_), (r["cov"], bgm.covariances_),
                         (r["P"], bgm.precisions_cholesky_), (r["dof"], bgm.degrees_of_freedom_),
                         (r["lam"], bgm.mean_precision_), (r["a"], bgm.weight_concentration_[0]),
                         (r["b"], bgm.weight_concentration_[1])):
        assert np.allclose(mine, theirs, rtol=1e-8, atol=1e-10), (ct, np.abs(mine - theirs).max())

    case = {
        "priors": {
            "weight_concentration_prior": float(bgm.weight_concentration_prior_),
            "mean_precision_prior": float(bgm.mean_precision_prior_),
            "mean_prior": to_list(bgm.mean_prior_),
            "degrees_of_freedom_prior": float(bgm.degrees_of_freedom_prior_),
            "covariance_prior": to_list(bgm.covariance_prior_),
        },
        "initial": initial,
        "lower_bounds": lower_bounds,
        "log_prob_norms": log_prob_norms,
        "weights": to_list(bgm.weights_),
    }
    case.update(state(bgm))
    case["labels"] = [int(v) for v in bgm._estimate_weighted_log_prob(X).argmax(axis=1)]
    assert case["labels"] == [int(v) for v in ref.predict(X)]
    cases[ct] = case
    w = np.round(bgm.weights_, 4)
    print(f"{ct:9s} lb[0]={lower_bounds[0]:.6f} lb[29]={lower_bounds[-1]:.10f} min step={steps.min():.3e} "
          f"last step={steps[-1]:.3e} weights={w.tolist()}")

doc = {
    "sklearn_version": sklearn.__version__,
    "numpy_version": np.__version__,
    "scipy_version": scipy.__version__,
    "n_components": K,
    "reg_covar": REG,
    "iterations": ITERATIONS,
    "X": X.tolist(),
    "y": [int(v) for v in y],
    "initial_resp": RESP0.tolist(),
    "cases": cases,
}
with open(OUT, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print(f"wrote {OUT}")
