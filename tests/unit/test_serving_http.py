"""A toy recommender (no dataset): reasons of every kind, and the HTTP server on a free loopback
port answering real requests (200, 404, 400, concurrent clients)."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from recbole_kgllm.serving.catalog import Catalog
from recbole_kgllm.serving.export import ExportScorer
from recbole_kgllm.serving.reasons import Explainer, KGView, TextView
from recbole_kgllm.serving.topk import Recommender


def _toy() -> Recommender:
    """4 users (u1-u3 real), 6 items; i1 and i4 share a director entity in the KG."""
    users = np.array(["[PAD]", "u1", "u2", "u3"])
    items = np.array(["[PAD]", "i1", "i2", "i3", "i4", "i5"])
    history = sp.csr_matrix(np.array([[0] * 6, [0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0], [0] * 6], dtype=np.float32))
    catalog = Catalog(user_tokens=users, item_tokens=items, titles=np.array(["[PAD]", "A", "B", "C", "D", "i5"], dtype=object),
                      history=history)
    gen = torch.Generator().manual_seed(0)
    scorer = ExportScorer("dot", {"users": torch.randn(4, 3, generator=gen), "items": torch.randn(6, 3, generator=gen)}, catalog)
    entities = np.array(["m.a", "m.d", "m.dir", "m.b"], dtype=object)
    kg = KGView.build(entities, np.array(["film.directed_by"], dtype=object), np.array([[0, 0, 2], [1, 0, 2]]),
                      {"i1": "m.a", "i4": "m.d", "i2": "m.b"}, items)
    text = TextView.build(torch.randn(6, 4, generator=gen), torch.tensor([False, True, True, True, True, False]))

    def explainer() -> Explainer:
        return Explainer(catalog, cf=scorer.cf_evidence, cf_kind=scorer.cf_kind, kg=kg, text=text)

    return Recommender(catalog, scorer, explainer=explainer, info={"model": "toy"})


def test_reasons_of_every_kind_start_at_the_history() -> None:
    rec = _toy()
    (user,) = rec.recommend(["u1"], 3, explain=True)
    assert {i.item for i in user.items} == {"i3", "i4", "i5"}
    by_item = {i.item: {r.kind: r for r in i.reasons} for i in user.items}
    path = by_item["i4"]["kg"]
    assert path.items == ("i1",) and [(e.head, e.forward) for e in path.path] == [("m.a", True), ("m.d", False)]
    assert path.text.endswith('"A" -film.directed_by-> m.dir <-film.directed_by- "D".')
    assert "kg" not in by_item["i3"] and "text" not in by_item["i5"]  # no entity / no text
    assert all(set(r.items) <= {"i1", "i2"} for i in user.items for r in i.reasons)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url() -> Iterator[str]:
    import uvicorn

    from recbole_kgllm.serving.http import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(_toy()), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_recommend_health_and_errors(base_url: str) -> None:
    assert _get(f"{base_url}/health") == (200, {"status": "ok", "model": "toy"})
    status, body = _get(f"{base_url}/recommend?user=u1&k=2&explain=1")
    assert status == 200 and body["user"] == "u1" and [i["rank"] for i in body["items"]] == [1, 2]
    assert _get(f"{base_url}/recommend?user=u1&k=99")[1]["items"][-1]["rank"] == 3  # only 3 eligible items
    status, body = _get(f"{base_url}/recommend?user=u9")
    assert status == 404 and body["user"] == "u9" and "unknown user 'u9'" in body["error"]
    for query in ("user=u1&k=0", "user=u1&k=x", "user=u1&k=1001", "k=3", "user=u1&explain=maybe"):
        assert _get(f"{base_url}/recommend?{query}")[0] == 400
    status, body = _get(f"{base_url}/recommend?user=u2&k=5&keep_history=1")
    assert "i3" in {i["item"] for i in body["items"]}


def test_http_serves_concurrent_clients(base_url: str) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: _get(f"{base_url}/recommend?user=u{1 + n % 3}&k=3&explain={n % 2}"), range(48)))
    assert all(status == 200 for status, _ in answers)
    assert [body["user"] for _, body in answers] == [f"u{1 + n % 3}" for n in range(48)]
