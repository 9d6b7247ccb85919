"""The answer keys of question versions, cached per process.

A version is never edited once it is on a paper (`QuestionVersion.used_at`), and a question never
changes its kind, so what grading and the answer check need of a version (its kind, its option ids,
its right options) can be kept for the life of the process: the room and grading then read no
version at all once a paper's versions have been seen. These are not a candidate's data; callers
have already scoped the attempt (own_attempt_get, or the platform's sweep).
"""

from dataclasses import dataclass

from ..models import QuestionVersion
from ..rules.grading import GradedQuestion

# Bounded: a process that sees more versions than this starts again (every entry is cheap to re-read).
MAX_ENTRIES = 200_000


@dataclass(frozen=True)
class Key:
    version_id: int
    kind: str
    options: tuple[str, ...]  # the option ids in stored order
    correct: frozenset[str]

    @property
    def graded(self) -> GradedQuestion:
        return GradedQuestion(
            version_id=self.version_id, kind=self.kind, correct=self.correct, option_ids=frozenset(self.options)
        )


_keys: dict[int, Key] = {}


def keys_of(version_ids) -> dict[int, Key]:
    """The keys of these versions (those that exist), reading only the ones not yet cached."""
    wanted = set(version_ids)
    missing = wanted - _keys.keys()
    if missing:
        if len(_keys) + len(missing) > MAX_ENTRIES:
            _keys.clear()
        rows = QuestionVersion.objects.filter(pk__in=missing).values_list("pk", "question__kind", "options", "correct")
        for pk, kind, options, correct in rows:
            _keys[pk] = Key(pk, kind, tuple(option["id"] for option in options), frozenset(correct))
    return {pk: _keys[pk] for pk in wanted if pk in _keys}


def forget() -> None:
    """Empty the cache (tests that rebuild the database between cases)."""
    _keys.clear()
