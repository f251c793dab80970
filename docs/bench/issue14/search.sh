#!/bin/bash
# Issue 14: validation search of the gradient recipe, ml-100k, seed 2020 (resumable: a re-run
# skips the points already in each CSV). DATA is the bench's linked copy of ml-100k
# (recbole-kgllm bench --dataset ml-100k --out OUT writes it to OUT/data/linked); the settings
# below are the bench's (full catalogue: .item loaded).
DATA=${DATA:-/work/bench14/ml100k-5seeds/data/linked}
OUT=${OUT:-docs/bench/issue14/search}
COMMON=(--data_path=$DATA --feature_cache_dir=/tmp/x13/cache --kg_seed=2020
  "--metrics=['Recall','MRR','NDCG','Hit','Precision']" "--topk=[10,20]"
  "--load_col={'inter':['user_id','item_id','rating','timestamp'],'item':['item_id'],'kg':['head_id','relation_id','tail_id'],'link':['item_id','entity_id']}"
  --seeds 2020 --time_cap 600)
export OMP_NUM_THREADS=1
T="python benchmarks/tune_gradient.py --dataset ml-100k-bench"
$T --model KGLLMRec "${COMMON[@]}" --grid benchmarks/grids/ml100k-kgllmrec-stage1.yaml --out $OUT/kgllmrec-stage1.csv
$T --model KGLLMRec "${COMMON[@]}" --grid benchmarks/grids/ml100k-kgllmrec-stage2.yaml --out $OUT/kgllmrec-stage2.csv
$T --model KGLLMRec "${COMMON[@]}" --grid benchmarks/grids/ml100k-kgllmrec-stage3.yaml --out $OUT/kgllmrec-stage3.csv
$T --model KGLLMRec "${COMMON[@]}" --grid benchmarks/grids/ml100k-kgllmrec-mf.yaml --out $OUT/kgllmrec-mf.csv
$T --model LightGCN "${COMMON[@]}" --grid benchmarks/grids/ml100k-lightgcn-lr.yaml --out $OUT/lightgcn-lr.csv
$T --model BPR "${COMMON[@]}" --grid benchmarks/grids/ml100k-bpr.yaml --out $OUT/bpr-lr.csv
# print a table: python benchmarks/tune_gradient.py --report $OUT/kgllmrec-stage1.csv
