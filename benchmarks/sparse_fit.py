"""The sparse EASE solver alone on a large interaction file: fit time, peak memory, scoring speed.

For catalogues whose full run (RecBole's data loading and full-ranking evaluation of every user
against every item) does not fit a session, this measures the model's own part directly with the
functions the ``ease`` backbone calls (:func:`recbole_kgllm.model.sparse_ease.solver.sparse_ease`):
reading the ``.inter`` file into a CSR matrix, the fit, and the full-ranking scoring (``X_u B``
then top-10 over every item) of ``--score_users`` users, from which the full evaluation time is
extrapolated. No priors (text features are not needed).

    nice -n 10 python benchmarks/sparse_fit.py /tmp/kgscale/data/synth-1m/synth-1m.inter --neighbours 100
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recbole_kgllm.model.sparse_ease.model import SparseItemModel  # noqa: E402
from recbole_kgllm.model.sparse_ease.solver import sparse_ease  # noqa: E402
from recbole_kgllm.recbole_integration.callbacks import peak_rss_mb  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inter")
    parser.add_argument("--neighbours", type=int, default=200)
    parser.add_argument("--gram_topk", type=int, default=200)
    parser.add_argument("--reg_weight", type=float, default=500.0)
    parser.add_argument("--score_users", type=int, default=4096)
    parser.add_argument("--batch_users", type=int, default=128)
    parser.add_argument("--out", default=None, help="JSON file of the measurements")
    args = parser.parse_args(argv)
    import pandas as pd

    facts: dict[str, object] = {"inter": args.inter, "neighbours": args.neighbours, "gram_topk": args.gram_topk}
    clock = time.perf_counter()
    frame = pd.read_csv(args.inter, sep="\t", usecols=[0, 1], header=0, names=["u", "i"], dtype=str)
    users = frame["u"].astype("category").cat.codes.to_numpy()
    items = frame["i"].astype("category").cat.codes.to_numpy()
    del frame
    x = sp.csr_matrix((np.ones(len(users), np.float32), (users, items)))
    del users, items
    facts.update(n_users=x.shape[0], n_items=x.shape[1], n_interactions=int(x.nnz), read_seconds=round(time.perf_counter() - clock, 1),
                 rss_after_read_mb=round(peak_rss_mb(), 1))
    print(json.dumps(facts), flush=True)
    clock = time.perf_counter()
    b = sparse_ease(x, [], reg_weight=args.reg_weight, neighbours=args.neighbours, gram_topk=args.gram_topk)
    facts.update(fit_seconds=round(time.perf_counter() - clock, 1), b_nnz=int(b.nnz), peak_rss_after_fit_mb=round(peak_rss_mb(), 1))
    print(json.dumps(facts), flush=True)
    model = SparseItemModel(b, x)
    rng = np.random.default_rng(0)
    sample = rng.choice(x.shape[0], size=min(args.score_users, x.shape[0]), replace=False)
    clock = time.perf_counter()
    for start in range(0, len(sample), args.batch_users):
        scores = model.full_scores(torch.from_numpy(sample[start : start + args.batch_users]))
        scores.topk(10, dim=1)
    per_user = (time.perf_counter() - clock) / len(sample)
    facts.update(score_seconds_per_user=per_user, extrapolated_full_ranking_seconds_all_users=round(per_user * x.shape[0], 1),
                 peak_rss_mb=round(peak_rss_mb(), 1))
    print(json.dumps(facts), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
