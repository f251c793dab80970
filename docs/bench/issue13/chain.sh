#!/bin/bash
# issue 13 measurements after the merge (resumable; each bench skips finished runs).
export OMP_NUM_THREADS=1
while pgrep -f check100k.sh >/dev/null; do sleep 20; done
E='EASE[reg_weight=100|250|500|1000]'
C="--feature_cache_dir=/tmp/x13/cache --kg_seed=2020"
nice -n 10 recbole-kgllm bench --dataset ml-100k $C --out /work/bench13/ml100k-cold --cold_share 0.1 --seeds 2020,2021 \
  --models "$E,KGLLMRec,KGLLMRec[use_kg=False],KGLLMRec[kg_shuffle=True]"
for d in ml-100k-unlinked ml-100k-sparse; do
  nice -n 10 recbole-kgllm bench --dataset $d --data_path=/tmp/transfer --data_mode split $C \
    --out /work/bench13/transfer-$d --models "$E,KGLLMRec" --seeds 2020,2021
done
nice -n 10 recbole-kgllm bench --dataset ml-1m --data_path=/tmp/ml1m_atomic $C --out /work/bench13/ml1m --seeds 2020,2021 \
  --models "$E,KGLLMRec"
echo ALL DONE
