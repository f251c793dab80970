"""Grid search of KGLLMRec's EASE-backbone prior on the validation split (RecBole's protocol).

Historical: it chose the former fixed defaults; the default model now chooses its weights itself
(``docs/tuning.md``). The prior weights it passes are relative to ``reg_weight`` since then.

For each seed, the run pipeline builds the dataset, split and features once; every grid point
fits the closed form and is scored by RecBole's evaluator on the validation split (selection)
and the test split (reported only, never used to choose). Prints a markdown table; the chosen defaults and this
table go into docs/tuning.md.

Usage: python benchmarks/tune_ease_prior.py --dataset ml-100k --seeds 2020 [--key=value ...]
"""
from __future__ import annotations

import argparse
import itertools
import sys

from tqdm import tqdm

from recbole_kgllm.recbole_integration import pipeline
from recbole_kgllm.recbole_integration.config import parse_overrides
from recbole_kgllm.recbole_integration.model_lookup import resolve_model

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
    both = {"text": 1.0, "kg": 1.0}  # every view the grid uses is computed once per seed
    print("| seed | reg_weight | prior text | prior kg | topk | valid ndcg@10 | valid mrr@10 | test ndcg@10 | test recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seed in [int(s) for s in args.seeds.split(",")]:
        settings = {**overrides, "seed": seed, "backbone": "ease", "backbone_kwargs": {"prior_weights": both}}
        config = pipeline.start("KGLLMRec", args.dataset, config_dict=settings, log=False)
        data = pipeline.load_data(config)
        features = pipeline.feature_stage(config, resolve_model("KGLLMRec"), data.train_dataset)
        for point in tqdm(grid(), desc=f"seed {seed}"):
            config["backbone_kwargs"] = point
            trainer = pipeline.build_trainer(config, pipeline.build_model(config, data.train_dataset, features=features))
            v = pipeline.evaluate(trainer, data.valid, load_best=False)
            t = pipeline.evaluate(trainer, data.test, load_best=False)
            p = point["prior_weights"]
            print(
                f"| {seed} | {point['reg_weight']:g} | {p['text']:g} | {p['kg']:g} | {point['prior_topk']} | "
                f"{v['ndcg@10']:.4f} | {v['mrr@10']:.4f} | {t['ndcg@10']:.4f} | {t['recall@10']:.4f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
