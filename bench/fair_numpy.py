"""numpy peer of the engine's FAIR run: a vectorised compound Poisson-lognormal annual loss.

Reads params.txt written by `riskpath-bench fair --dir DIR` ("actor a low high" attempts/year as a
90% interval, "loss j low high" loss per event, "p a j P" probability that one attempt by actor a
reaches jewel j) and simulates `years` years: per actor and year lambda ~ LogNormal(frequency);
per (actor, jewel) the loss events N ~ Poisson(lambda * P) (thinning: the same law as Poisson
attempts each reaching the jewel with probability P); each event X ~ LogNormal(loss); annual loss
is the sum. Then the same summary as the engine: mean, sorted losses, P50/P90/P95/P99.

Prints one line: `fair_numpy years=… scenarios=… seconds=… ale=… p99=…`.
"""

import math
import sys
import time

import numpy as np

Z95 = 1.6448536269514722


def fit(low, high):
    return (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z95)


def main():
    path, years, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    actors, losses, probs = {}, {}, {}
    for line in open(path):
        kind, *rest = line.split()
        if kind == "actor":
            actors[int(rest[0])] = fit(float(rest[1]), float(rest[2]))
        elif kind == "loss":
            losses[int(rest[0])] = fit(float(rest[1]), float(rest[2]))
        elif kind == "p":
            probs[int(rest[0]), int(rest[1])] = float(rest[2])
    jewels = len(losses)
    loss_mu = np.array([losses[j][0] for j in range(jewels)])
    loss_sigma = np.array([losses[j][1] for j in range(jewels)])

    rng = np.random.default_rng(seed)
    t = time.perf_counter()
    annual = np.zeros(years)
    for a, (mu, sigma) in sorted(actors.items()):
        p = np.array([probs[a, j] for j in range(jewels)])
        lam = rng.lognormal(mu, sigma, size=years)
        n = rng.poisson(lam[:, None] * p[None, :])  # years x jewels loss-event counts
        cell = np.repeat(np.arange(years * jewels), n.ravel())
        jewel = cell % jewels
        x = np.exp(loss_mu[jewel] + loss_sigma[jewel] * rng.standard_normal(cell.size))
        annual += np.bincount(cell // jewels, weights=x, minlength=years)
    ale = annual.mean()
    s = np.sort(annual)
    p50, p90, p95, p99 = np.quantile(s, [0.5, 0.9, 0.95, 0.99])
    secs = time.perf_counter() - t
    print(
        f"fair_numpy years={years} scenarios={len(probs)} seconds={secs:.4f} ale={ale:.6e} "
        f"p50={p50:.6e} p99={p99:.6e}"
    )


if __name__ == "__main__":
    main()
