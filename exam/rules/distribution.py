"""How the scores of a sitting spread: equal bands from 0 to the paper's maximum, for the results
page's chart. Pure: numbers in, bands out."""

from decimal import Decimal


def score_bands(scores: list[Decimal], max_score: Decimal, bands: int = 5) -> list[tuple[str, int, Decimal]]:
    """(label "low–high", how many scores fall in it, its lower bound), from the lowest band up.
    A band holds low <= score < high; the last one holds the maximum too."""
    if max_score <= 0 or bands < 1:
        return []
    width = Decimal(max_score) / bands
    counts = [0] * bands
    for score in scores:
        index = min(bands - 1, max(0, int(Decimal(score) / width)))
        counts[index] += 1
    result = []
    for index, count in enumerate(counts):
        low, high = width * index, width * (index + 1)
        result.append((f"{_plain(low)}–{_plain(high)}", count, low))
    return result


def _plain(value: Decimal) -> str:
    text = f"{Decimal(value).quantize(Decimal('0.1')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
