"""Watched stretches of a video as sorted, merged [start, end] second intervals."""


def merge(intervals: list[list[float]], start: float, end: float) -> list[list[float]]:
    result: list[list[float]] = []
    placed = False
    for low, high in sorted(intervals + [[start, end]]):
        if result and low <= result[-1][1] + 0.5:
            result[-1][1] = max(result[-1][1], high)
        else:
            result.append([low, high])
        placed = True
    return result if placed else intervals


def covered(intervals: list[list[float]]) -> float:
    return sum(high - low for low, high in intervals)
