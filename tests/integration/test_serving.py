"""recommend / explain / export / serve on a KGLLMRec (EASE) checkpoint of a small ml-100k slice."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from _serving_data import SLICE, assert_valid_top_k, make_slice, reference_scores, train

from recbole_kgllm import cli


@pytest.fixture(scope="module")
def slice_path(tmp_path_factory: pytest.TempPathFactory, ml100k_source: Path) -> Path:
    return make_slice(ml100k_source, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory, slice_path: Path, feature_cache: Path) -> Path:
    return train(slice_path, tmp_path_factory.mktemp("run"), feature_cache, "KGLLMRec")


@pytest.fixture(scope="module")
def loaded(checkpoint: Path) -> tuple:
    import recbole_kgllm

    return recbole_kgllm.load_data_and_model(str(checkpoint))


@pytest.fixture(scope="module")
def recommender(loaded: tuple):  # noqa: ANN201
    from recbole_kgllm.serving.loading import as_recommender

    return as_recommender(loaded)


def _history_tokens(recommender, user: str) -> set[str]:  # noqa: ANN001
    uid = int(recommender.catalog.user_ids([user])[0])
    return set(recommender.catalog.item_tokens[recommender.catalog.history_of(uid)].tolist())


def test_top_k_equals_full_sort_predict_with_history_masked(loaded: tuple, recommender) -> None:  # noqa: ANN001
    _, model, _, _, valid_data, _ = loaded
    catalog = recommender.catalog
    uids = catalog.all_user_ids()
    for uid in uids.tolist():  # the history we mask is RecBole's training history
        assert set(catalog.history_of(uid).tolist()) == set(valid_data.uid2history_item[uid].tolist())
    recs = recommender.recommend(catalog.user_tokens[uids].tolist(), 10)
    assert_valid_top_k(recs, reference_scores(model, valid_data, uids), catalog, 10)
    kept = recommender.recommend([recs[0].user], 10, keep_history=True)[0]
    assert {i.item for i in kept.items} & _history_tokens(recommender, recs[0].user)


def test_kg_paths_use_real_edges_and_start_at_a_history_item(recommender, slice_path: Path) -> None:  # noqa: ANN001
    folder = slice_path / SLICE
    kg = {tuple(line.split("\t")) for line in (folder / f"{SLICE}.kg").read_text().splitlines()[1:]}
    link = dict(line.split("\t") for line in (folder / f"{SLICE}.link").read_text().splitlines()[1:])
    users = recommender.catalog.user_tokens[1:31].tolist()
    n_paths = 0
    for user in recommender.recommend(users, 10, explain=True):
        history = _history_tokens(recommender, user.user)
        for item in user.items:
            assert item.reasons, f"no reason for {item.item} of user {user.user}"
            assert len({r.kind for r in item.reasons}) == len(item.reasons) <= 3
            for reason in (r for r in item.reasons if r.kind == "kg"):
                n_paths += 1
                (start,) = reason.items
                assert start in history and 1 <= len(reason.path) <= 3
                node = link[start]
                for edge in reason.path:
                    assert (edge.head, edge.relation, edge.tail) in kg
                    assert node == (edge.head if edge.forward else edge.tail)
                    node = edge.tail if edge.forward else edge.head
                    assert edge.relation in reason.text
                assert node == link[item.item]
                assert 0 < reason.score <= 1
    assert n_paths > 100


def test_tokens_round_trip_and_titles(recommender, slice_path: Path) -> None:  # noqa: ANN001
    import recbole_kgllm
    from recbole_kgllm.serving.records import UserRecommendations

    titles = {}
    for line in (slice_path / SLICE / f"{SLICE}.item").read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        token, title = line.split("\t")[:2]
        titles[token] = title
    users = ["13", "1", "120"]
    recs = recbole_kgllm.recommend(recommender, users, k=5)
    assert [r.user for r in recs] == users and all(isinstance(r, UserRecommendations) for r in recs)
    for rec in recs:
        assert [i.rank for i in rec.items] == [1, 2, 3, 4, 5]
        for item in rec.items:
            assert item.title == titles[item.item]
    from recbole_kgllm.errors import UnknownUserError

    with pytest.raises(UnknownUserError, match="'no-such-user'"):
        recommender.recommend(["1", "no-such-user"], 5)


def test_issue_check_recommend_json_explain(checkpoint: Path, recommender, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    user = "7"
    assert cli.main(["recommend", "--checkpoint", str(checkpoint), "--user", user, "-k", "10",
                     "--explain", "--format", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["user"] == user and len(result["items"]) == 10
    assert not {i["item"] for i in result["items"]} & _history_tokens(recommender, user)
    assert all(i["reasons"] and all(r["text"] and r["kind"] in {"kg", "text", "cf"} for r in i["reasons"])
               for i in result["items"])


def test_unknown_user_and_bad_k_are_one_line_errors(checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["recommend", "--checkpoint", str(checkpoint), "--user", "99999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "recbole-kgllm recommend: error: unknown user '99999': not a user token of this model's dataset"
    assert cli.main(["recommend", "--checkpoint", str(checkpoint), "--user", "1", "-k", "0"]) == 2
    assert "k must be a positive integer" in capsys.readouterr().err


def test_all_users_streamed_by_the_installed_script(checkpoint: Path, recommender, tmp_path: Path) -> None:  # noqa: ANN001
    import csv

    script = Path(sys.executable).parent / "recbole-kgllm"
    out = tmp_path / "all.csv"
    done = subprocess.run([str(script), "recommend", "--checkpoint", str(checkpoint), "--all", "-k", "3",
                           "--format", "csv", "--out", str(out), "--batch-size", "50"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "recommend: 100%" in done.stderr  # the progress bar
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 3 * (recommender.catalog.n_users - 1)
    assert {r["user"] for r in rows} == set(recommender.catalog.user_tokens[1:].tolist())


def test_export_reproduces_the_checkpoint_top_k(checkpoint: Path, recommender, tmp_path: Path) -> None:  # noqa: ANN001
    from recbole_kgllm.serving.export import load_export

    assert cli.main(["export", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "exact")]) == 0
    manifest = json.loads((tmp_path / "exact" / "manifest.json").read_text())
    assert manifest["kind"] == "item_item" and manifest["exact"]
    exported = load_export(tmp_path / "exact")
    users = recommender.catalog.user_tokens[1:].tolist()
    live = recommender.recommend(users, 10)
    for a, b in zip(live, exported.recommend(users, 10)):
        assert [i.item for i in a.items] == [i.item for i in b.items]
        np.testing.assert_allclose([i.score for i in a.items], [i.score for i in b.items], rtol=1e-4, atol=1e-6)
    explained = exported.recommend(users[:3], 10, explain=True)
    assert all(item.reasons for user in explained for item in user.items)
    assert {r.kind for user in explained for item in user.items for r in item.reasons} == {"kg", "text", "cf"}

    assert cli.main(["export", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "sparse"), "--neighbours", "50"]) == 0
    sparse = json.loads((tmp_path / "sparse" / "manifest.json").read_text())
    assert sparse["neighbours"] == 50 and not sparse["exact"]
    sparse_recs = load_export(tmp_path / "sparse").recommend(users, 10)
    overlap = np.mean([len({i.item for i in a.items} & {i.item for i in b.items}) / 10 for a, b in zip(live, sparse_recs)])
    assert overlap == pytest.approx(sparse["check"]["mean_top_k_overlap"], abs=0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_server_answers_recommend_404_400_and_concurrent_requests(recommender) -> None:  # noqa: ANN001
    import uvicorn

    from recbole_kgllm.serving.http import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(recommender), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        assert _get(f"{base}/health") == (200, {"status": "ok", **recommender.info})
        status, body = _get(f"{base}/recommend?user=7&k=10&explain=1")
        assert status == 200 and body["user"] == "7" and len(body["items"]) == 10
        assert all(item["reasons"] for item in body["items"])
        assert body == recommender.recommend(["7"], 10, explain=True)[0].to_dict()
        status, body = _get(f"{base}/recommend?user=nobody&k=10")
        assert status == 404 and body["user"] == "nobody" and "nobody" in body["error"]
        for bad in ("0", "-3", "abc", "100000"):
            status, body = _get(f"{base}/recommend?user=7&k={bad}")
            assert status == 400 and "k must be" in body["error"]
        assert _get(f"{base}/recommend?k=5")[0] == 400
        users = recommender.catalog.user_tokens[1:41].tolist()
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda u: _get(f"{base}/recommend?user={u}&k=5"), users))
        assert [status for status, _ in answers] == [200] * len(users)
        assert [body["user"] for _, body in answers] == users
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_users_file_to_csv_and_export_source(checkpoint: Path, recommender, tmp_path: Path) -> None:  # noqa: ANN001
    import csv

    users = tmp_path / "users.txt"
    users.write_text("# a comment\n3\n\n5\n")
    out = tmp_path / "recs.csv"
    assert cli.main(["recommend", "--checkpoint", str(checkpoint), "--users-file", str(users), "-k", "4",
                     "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [(r["user"], r["rank"]) for r in rows] == [(u, str(k)) for u in ("3", "5") for k in range(1, 5)]
    assert cli.main(["recommend", "--checkpoint", str(checkpoint), "--users-file", str(tmp_path / "none.txt")]) == 2
    assert cli.main(["recommend", "--export", str(tmp_path / "no-export"), "--user", "3"]) == 2
