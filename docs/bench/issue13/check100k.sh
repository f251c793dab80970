#!/bin/bash
# issue 13 "Checked by" command on ml-100k + controls (text only, no knowledge, shuffled KG). Resumable.
export OMP_NUM_THREADS=1
C="--dataset ml-100k --feature_cache_dir=/tmp/x13/cache --kg_seed=2020 --out /work/bench13/ml100k"
nice -n 10 recbole-kgllm bench $C --seeds 2020,2021 --models 'EASE[reg_weight=100],EASE[reg_weight=250],EASE[reg_weight=500],EASE[reg_weight=1000],EASE[reg_weight=100|250|500|1000],KGLLMRec,KGLLMRec[use_kg=False],KGLLMRec[use_kg=False,use_text=False],KGLLMRec[kg_shuffle=True]'
echo ALL DONE
