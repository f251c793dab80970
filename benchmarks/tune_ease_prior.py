"""Grid search of KGLLMRec's EASE-backbone prior on the validation split (RecBole's protocol).

For each seed, RecBole builds the dataset and split once; every grid point fits the closed form
and is scored by RecBole's evaluator on the validation split (selection) and the test split
(reported only, never used to choose). Prints a markdown table; the chosen defaults and this
table go into docs/tuning.md.

Usage: python benchmarks/tune_ease_prior.py --dataset ml-100k --seeds 2020 [--key=value ...]
"""
from __future__ import annotations

import argparse
import itertools
import sys

from recbole.data import create_dataset, data_preparation
from recbole.trainer import Trainer
from recbole.utils import init_seed
from tqdm import tqdm

from recbole_kgllm.recbole_integration.config import build_config, parse_overrides
from recbole_kgllm.recbole_integration.session import prepare_recbole
from recbole_kgllm.model.kgllmrec import KGLLMRec

GRID = {
    "reg_weight": [250.0, 500.0],
    "weight": [0.0, 10.0, 30.0, 100.0],
    "views": ["text+kg", "text", "kg"],
    "prior_topk": [0, 50],
}


def grid() -> list[dict]:
    points = []
    for reg, weight, views, topk in itertools.product(*GRID.values()):
        if weight == 0.0 and (views != "text+kg" or topk):
            continue  # one plain-EASE point per reg_weight
        prior = {view: (weight if view in views.split("+") else 0.0) for view in ("text", "kg")}
        points.append({"reg_weight": reg, "prior_weights": prior, "prior_topk": topk})
    return points


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml-100k")
    parser.add_argument("--seeds", default="2020")
    args, rest = parser.parse_known_args(argv)
    overrides = parse_overrides(rest)
    prepare_recbole()
    print("| seed | reg_weight | prior text | prior kg | topk | valid ndcg@10 | valid mrr@10 | test ndcg@10 | test recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seed in [int(s) for s in args.seeds.split(",")]:
        config = build_config("KGLLMRec", args.dataset, config_dict={**overrides, "seed": seed, "backbone": "ease"})
        init_seed(config["seed"], config["reproducibility"])
        train, valid, test = data_preparation(config, create_dataset(config))
        for point in tqdm(grid(), desc=f"seed {seed}"):
            config.final_config_dict["backbone_kwargs"] = point
            model = KGLLMRec(config, train._dataset).to(config["device"])
            trainer = Trainer(config, model)
            v = trainer.evaluate(valid, load_best_model=False, show_progress=False)
            t = trainer.evaluate(test, load_best_model=False, show_progress=False)
            p = point["prior_weights"]
            print(
                f"| {seed} | {point['reg_weight']:g} | {p['text']:g} | {p['kg']:g} | {point['prior_topk']} | "
                f"{v['ndcg@10']:.4f} | {v['mrr@10']:.4f} | {t['ndcg@10']:.4f} | {t['recall@10']:.4f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
