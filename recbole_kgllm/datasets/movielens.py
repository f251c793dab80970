"""MovieLens conventions shared by MovieLens recipes: ``::`` files, titles, demographics."""
from __future__ import annotations

import re
from pathlib import Path

from recbole_kgllm.datasets.readers import read_text_lines, split_fields
from recbole_kgllm.datasets.spec import ItemRecord, UserTable

#: MovieLens ``.dat`` files are ISO-8859-1; UTF-8 is tried first so a re-encoded copy also works.
MOVIELENS_ENCODINGS = ("utf-8", "latin-1")

# "Toy Story (1995)", "Associate, The (L'Associe)(1982)": the last "(YYYY)" is the year.
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")

#: ML-1M occupation codes (MovieLens-1M README), written as their names so tokens mean something.
ML1M_OCCUPATIONS = {
    "0": "other",
    "1": "academic/educator",
    "2": "artist",
    "3": "clerical/admin",
    "4": "college/grad student",
    "5": "customer service",
    "6": "doctor/health care",
    "7": "executive/managerial",
    "8": "farmer",
    "9": "homemaker",
    "10": "K-12 student",
    "11": "lawyer",
    "12": "programmer",
    "13": "retired",
    "14": "sales/marketing",
    "15": "scientist",
    "16": "self-employed",
    "17": "technician/engineer",
    "18": "tradesman/craftsman",
    "19": "unemployed",
    "20": "writer",
}


def split_title_year(raw: str) -> tuple[str, str]:
    """Split ``"Usual Suspects, The (1995)"`` into ``("Usual Suspects, The", "1995")``.

    Titles are otherwise kept as they are (``The``-suffix, commas, alternative titles in
    parentheses). Without a trailing year the year is ``""``.
    """
    match = _TITLE_YEAR.match(raw.strip())
    if match is None:
        return raw.strip(), ""
    return match.group("title"), match.group("year")


def read_movies_dat(path: Path) -> dict[str, ItemRecord]:
    """Read ``MovieID::Title (Year)::Genre|Genre`` (Latin-1 or UTF-8, LF or CRLF).

    Returns:
        movie id -> :class:`ItemRecord` with genres split on ``|``.
    """
    movies: dict[str, ItemRecord] = {}
    for lineno, line in enumerate(read_text_lines(path, encodings=MOVIELENS_ENCODINGS), 1):
        movie_id, raw_title, genres = split_fields(line, "::", 3, path=path, lineno=lineno)[:3]
        title, year = split_title_year(raw_title)
        movies[movie_id.strip()] = ItemRecord(
            title=title, year=year, genres=tuple(g for g in genres.strip().split("|") if g)
        )
    return movies


def read_users_dat(path: Path) -> UserTable:
    """Read ``UserID::Gender::Age::Occupation::Zip-code`` into ml-100k's user columns.

    ``age`` keeps ML-1M's bucket code (1, 18, 25, 35, 45, 50, 56: the bucket's lower bound,
    1 meaning under 18); ``occupation`` becomes its README name (unknown codes stay as given).
    """
    rows: dict[str, tuple[str, ...]] = {}
    for lineno, line in enumerate(read_text_lines(path, encodings=MOVIELENS_ENCODINGS), 1):
        user, gender, age, occupation, zip_code = (
            f.strip() for f in split_fields(line, "::", 5, path=path, lineno=lineno)[:5]
        )
        rows[user] = (age, gender, ML1M_OCCUPATIONS.get(occupation, occupation), zip_code)
    return UserTable(fields=("age", "gender", "occupation", "zip_code"), rows=rows)
