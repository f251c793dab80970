"""``recbole-kgllm tune``: hyper-parameter search on the validation metric with Ray Tune.

* :mod:`.space`: RecBole's hyper-parameter file syntax -> a Ray Tune search space;
* :mod:`.trial`: one trial, run through the run pipeline's stages (no test evaluation),
  reporting each epoch's validation score (so ASHA stops bad trials early);
* :mod:`.cli`: the command (local cores by default, a Ray cluster with ``--address``,
  ``--resume``), the results table and the best config as YAML.
"""
