"""Drawing a candidate's paper from the bank: a pure function of the pool, the blueprint and a seed.

The same three inputs always give the same paper, which is how an auditor rebuilds one. The rules:

- Blueprint items with a topic are filled before items of any topic, so a specific topic is never
  starved by an "any topic" item that came first; within that, items keep their order.
- Each item samples `count` versions from those of its type (and topic) not already taken, in
  version-id order before sampling, so the pool's order in storage does not matter.
- The paper is in sections by type (single choice, multiple choice, true or false), the questions
  of a section shuffled; the options of choice questions are shuffled, true-or-false keeps 对 then 错.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KIND_ORDER = ("single", "multiple", "true_false")


@dataclass(frozen=True)
class PoolEntry:
    version_id: int
    kind: str
    topic: str
    option_ids: tuple[str, ...]


@dataclass(frozen=True)
class Requirement:
    kind: str
    topic: str  # "" means any topic
    count: int


class BankTooSmall(ValueError):
    def __init__(self, requirement: Requirement, available: int) -> None:
        super().__init__(f"{requirement} needs {requirement.count} questions, the bank has {available}")
        self.requirement = requirement
        self.available = available


def draw_paper(pool: Iterable[PoolEntry], blueprint: Sequence[Requirement], seed: int) -> list[dict]:
    """The ordered items [{"version_id", "option_order"}] of a paper."""
    rng = random.Random(seed)
    entries = sorted(pool, key=lambda entry: entry.version_id)
    taken: set[int] = set()
    chosen: dict[str, list[PoolEntry]] = {kind: [] for kind in KIND_ORDER}
    ordered = sorted(enumerate(blueprint), key=lambda pair: (pair[1].topic == "", pair[0]))
    for _index, requirement in ordered:
        candidates = [
            entry
            for entry in entries
            if entry.kind == requirement.kind
            and entry.version_id not in taken
            and (not requirement.topic or entry.topic == requirement.topic)
        ]
        if len(candidates) < requirement.count:
            raise BankTooSmall(requirement, len(candidates))
        picked = rng.sample(candidates, requirement.count)
        taken.update(entry.version_id for entry in picked)
        chosen.setdefault(requirement.kind, []).extend(picked)
    items = []
    for kind in KIND_ORDER:
        section = chosen.get(kind, [])
        rng.shuffle(section)
        for entry in section:
            options = list(entry.option_ids)
            if kind != "true_false":
                rng.shuffle(options)
            items.append({"version_id": entry.version_id, "option_order": options})
    return items
