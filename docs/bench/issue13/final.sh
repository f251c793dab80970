#!/bin/bash
# issue 13, final code: ml-100k 5 seeds (main + cold-start slice, controls), transfer variants, ml-1m. Resumable.
export OMP_NUM_THREADS=1
C="--feature_cache_dir=/tmp/x13/cache --kg_seed=2020"
E='EASE[reg_weight=100|250|500|1000]'
nice -n 5 recbole-kgllm bench --dataset ml-100k $C --out /work/bench13f/ml100k --cold_share 0.1 --seeds 5 \
  --models "$E,KGLLMRec,KGLLMRec[use_kg=False],KGLLMRec[use_kg=False,use_text=False],KGLLMRec[kg_shuffle=True]"
for d in ml-100k-unlinked ml-100k-sparse ml-100k-titles ml-100k-hubs; do
  nice -n 5 recbole-kgllm bench --dataset $d --data_path=/tmp/transfer --data_mode split $C \
    --out /work/bench13f/transfer-$d --models "$E,KGLLMRec" --seeds 2020,2021
done
nice -n 5 recbole-kgllm bench --dataset ml-1m --data_path=/tmp/ml1m_atomic $C --out /work/bench13f/ml1m --seeds 2020,2021 \
  --models "$E,KGLLMRec"
echo ALL DONE
