"""EASE for large catalogues with ``scipy.sparse`` only (never an items x items dense matrix).

* :mod:`.similarity`: sparse top-k content similarity of a feature view, built in batches
  (exact blocks up to :data:`~.similarity.EXACT_LIMIT` items, an inverted-file search above);
* :mod:`.gram`: the sparse top-K Gram matrix ``X^T X + sum_m alpha_m S_m``, built in column blocks;
* :mod:`.solver`: a sparse ``B`` whose column ``j`` is EASE's ridge regression of item ``j`` on
  its ``k`` strongest neighbours (equal to EASE when ``k`` covers the catalogue);
* :mod:`.cold`: calibrated cold-start columns, sparse;
* :mod:`.model`: the fitted solution as an ``nn.Module`` that scores users (``X_u B``).
"""
