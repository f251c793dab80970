"""HTTP serving with Starlette (run by uvicorn): the model is loaded once, requests are answered
from it. Endpoints run in Starlette's thread pool, so concurrent requests are served while the
scoring itself is serialised by the recommender's lock.

- ``GET /health`` -> ``{"status": "ok", "model": ..., "dataset": ..., "n_users": ..., "n_items": ...}``
- ``GET /recommend?user=196&k=10&explain=1[&keep_history=1]`` -> a user object (see
  :meth:`recbole_kgllm.serving.records.UserRecommendations.to_dict`); an unknown user -> 404
  ``{"error": ..., "user": ...}``; a missing user or a bad ``k`` -> 400 ``{"error": ...}``.
"""
from __future__ import annotations

from typing import Any

from recbole_kgllm.errors import UnknownUserError
from recbole_kgllm.serving.topk import Recommender

#: The largest ``k`` a request may ask for.
MAX_K = 1000
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _flag(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} must be 0 or 1, got {value!r}")


def create_app(recommender: Recommender, *, max_k: int = MAX_K) -> Any:
    """The Starlette application serving ``recommender``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", **recommender.info})

    def recommend(request: Request) -> JSONResponse:
        params = request.query_params
        user = params.get("user")
        if not user:
            return JSONResponse({"error": "missing query parameter 'user'"}, status_code=400)
        raw_k = params.get("k", "10")
        try:
            k = int(raw_k)
        except ValueError:
            k = 0
        if not 1 <= k <= max_k:
            return JSONResponse({"error": f"k must be an integer from 1 to {max_k}, got {raw_k!r}"}, status_code=400)
        try:
            explain = _flag(params.get("explain"), "explain")
            keep_history = _flag(params.get("keep_history"), "keep_history")
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        try:
            (result,) = recommender.recommend([user], k, explain=explain, keep_history=keep_history)
        except UnknownUserError as error:
            return JSONResponse({"error": str(error), "user": error.user}, status_code=404)
        return JSONResponse(result.to_dict())

    return Starlette(routes=[Route("/health", health), Route("/recommend", recommend)])


def serve(recommender: Recommender, *, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info") -> None:
    """Serve until interrupted (uvicorn)."""
    import uvicorn

    uvicorn.run(create_app(recommender), host=host, port=port, log_level=log_level)


__all__ = ["MAX_K", "create_app", "serve"]
