"""Search terms for Chinese text. Wagtail's database backends split words on spaces, and Chinese
has none, so a title is one long "word" that a search for 安全 never matches. Like Lucene's CJK
analyzer, we index every Han character and every pair of neighbouring ones, and search for the pairs."""

import re

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def _units(run: str) -> list[str]:
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_terms(text: str) -> str:
    """Index text: the original words, plus the characters and character pairs of every Han run."""
    terms = [text]
    for run in _HAN_RUN.findall(text or ""):
        terms.extend(_units(run))
    return " ".join(terms)


def cjk_query(text: str) -> str:
    """A query: pairs for Han runs of two or more characters, the character itself for one, and
    other words as they are."""
    parts: list[str] = []
    for token in (text or "").split():
        runs = _HAN_RUN.findall(token)
        rest = _HAN_RUN.sub(" ", token).split()
        parts.extend(rest)
        for run in runs:
            parts.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return " ".join(parts)
