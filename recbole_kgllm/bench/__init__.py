"""The benchmark harness behind ``recbole-kgllm bench``.

Every model runs on the same data, split and seeds, one fresh worker process per run, and the
results go to ``results.csv`` (one row per run, resumable), ``results.md`` (mean and standard
deviation per model, paired per-seed differences of our models against each baseline with a
paired t-test) and PNG plots. See ``docs/benchmarks.md``.

Importing this package loads nothing heavy (no torch, no RecBole).

Files, one concept each (atomic files are read and written by :mod:`recbole_kgllm.datasets.atomic`;
RecBole internals are reached through :mod:`recbole_kgllm.recbole_integration`):

============================  ==============================================================
``spec.py``                   run specs: ``Model[key=value,...]`` names, model lists, seeds
``ablations.py``              the ablation variants of our model
``data_prep.py``              derived datasets: linked-items-only, KG with shuffled tails
``cold_split.py``             the cold-start split (held-out items) as pre-split files
``slice_metrics.py``          Recall@k / NDCG@k restricted to a set of target items
``ranking_pass.py``           extra test ranking pass: beyond-accuracy metrics, cold/warm slices
``plan.py``                   runs, data variants, settings hash, the derived-data builder
``invocation.py``             one invocation planned from the command line
``results.py``                ``results.csv``: atomic appends, resume keys
``runner.py``                 one run in a fresh worker process
``worker.py``                 the worker: the run pipeline with callbacks (timings, memory, cap)
``stats.py``                  mean, standard deviation, paired differences and t-test
``summary.py``                grouping rows into tables
``report.py``                 ``results.md``
``plots.py``                  PNG plots (matplotlib, Agg)
``cli.py``                    ``bench_main(argv) -> int``
============================  ==============================================================
"""
from __future__ import annotations
