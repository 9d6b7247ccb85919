"""Grading rules: pure functions, no database."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam.rules.grading import GradedQuestion, Rules, grade, question_points

SINGLE = GradedQuestion(1, "single", frozenset({"b"}), frozenset({"a", "b", "c", "d"}))
MULTIPLE = GradedQuestion(2, "multiple", frozenset({"a", "b", "d"}), frozenset({"a", "b", "c", "d", "e"}))
TRUE_FALSE = GradedQuestion(3, "true_false", frozenset({"false"}), frozenset({"true", "false"}))
POINTS = {"single": Decimal("1"), "multiple": Decimal("2"), "true_false": Decimal("0.5")}
STRICT = Rules(points=POINTS, pass_mark=Decimal("3"))
PARTIAL = Rules(points=POINTS, pass_mark=Decimal("3"), partial_credit_multiple=True)


@pytest.mark.parametrize(
    "question, chosen, rules, points",
    [
        (SINGLE, ["b"], STRICT, "1.00"),
        (SINGLE, ["a"], STRICT, "0"),
        (SINGLE, ["a", "b"], STRICT, "0"),  # never recorded, but scored 0 if it were
        (SINGLE, None, STRICT, "0"),
        (SINGLE, [], STRICT, "0"),
        (TRUE_FALSE, ["false"], STRICT, "0.50"),
        (TRUE_FALSE, ["true"], STRICT, "0"),
        (MULTIPLE, ["d", "a", "b"], STRICT, "2.00"),  # order does not matter
        (MULTIPLE, ["a", "b"], STRICT, "0"),  # all or nothing without partial credit
        (MULTIPLE, ["a", "b", "c"], STRICT, "0"),
        (MULTIPLE, ["a", "b"], PARTIAL, "1.33"),  # 2 × 2/3, half up
        (MULTIPLE, ["a"], PARTIAL, "0.67"),  # 2 × 1/3
        (MULTIPLE, ["a", "b", "d"], PARTIAL, "2.00"),
        (MULTIPLE, ["a", "c"], PARTIAL, "0"),  # any wrong option scores 0
        (MULTIPLE, ["a", "b", "c", "d", "e"], PARTIAL, "0"),
        (MULTIPLE, ["a", "a"], PARTIAL, "0"),  # repeated option: not a valid answer
        (MULTIPLE, ["a", "z"], PARTIAL, "0"),  # unknown option
    ],
)
def test_points_of_one_question(question, chosen, rules, points):
    assert question_points(question, chosen, rules) == Decimal(points)


def test_partial_credit_applies_to_multiple_choice_only():
    # A single-choice question has one right option: there is no "part" of it to earn.
    assert question_points(SINGLE, ["a"], PARTIAL) == 0


def test_an_attempt_passes_at_the_pass_mark_exactly():
    # Given all right but the true-or-false: 1 + 2 = 3, the pass mark
    result = grade([SINGLE, MULTIPLE, TRUE_FALSE], {1: ["b"], 2: ["a", "b", "d"], 3: ["true"]}, STRICT)
    assert [q.points for q in result.questions] == [Decimal("1.00"), Decimal("2.00"), Decimal("0")]
    assert [q.correct for q in result.questions] == [True, True, False]
    assert result.total == Decimal("3.00") and result.max_total == Decimal("3.50") and result.passed


def test_an_attempt_below_the_pass_mark_fails():
    result = grade([SINGLE, MULTIPLE, TRUE_FALSE], {1: ["b"], 2: ["a", "b"], 3: ["false"]}, PARTIAL)
    assert result.total == Decimal("2.83") and not result.passed
    assert not result.questions[1].correct  # partial credit is not "correct"


def test_an_empty_paper_of_answers_scores_zero():
    result = grade([SINGLE, MULTIPLE, TRUE_FALSE], {}, STRICT)
    assert result.total == 0 and not result.passed and not any(q.correct for q in result.questions)


# ---------------------------------------------------------------------------------------------
# Properties

LETTERS = "abcdef"


@st.composite
def questions(draw):
    count = draw(st.integers(min_value=1, max_value=12))
    made = []
    for version_id in range(1, count + 1):
        kind = draw(st.sampled_from(["single", "multiple", "true_false"]))
        if kind == "true_false":
            options = frozenset({"true", "false"})
            correct = frozenset({draw(st.sampled_from(sorted(options)))})
        else:
            options = frozenset(LETTERS[: draw(st.integers(min_value=3 if kind == "multiple" else 2, max_value=6))])
            size = 1 if kind == "single" else draw(st.integers(min_value=2, max_value=len(options)))
            correct = frozenset(draw(st.permutations(sorted(options)))[:size])
        made.append(GradedQuestion(version_id, kind, correct, options))
    return made


@st.composite
def answers_for(draw, paper):
    answers = {}
    for question in paper:
        if draw(st.booleans()):
            pool = sorted(question.option_ids) + ["zz"]
            answers[question.version_id] = draw(st.lists(st.sampled_from(pool), max_size=4))
    return answers


points = st.decimals(min_value=0, max_value=10, places=2, allow_nan=False, allow_infinity=False)
rules_strategy = st.builds(
    lambda s, m, t, mark, partial: Rules(
        points={"single": s, "multiple": m, "true_false": t}, pass_mark=mark, partial_credit_multiple=partial
    ),
    points,
    points,
    points,
    st.decimals(min_value=0, max_value=100, places=2),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), paper=questions(), rules=rules_strategy)
def test_scores_stay_within_zero_and_the_maximum(data, paper, rules):
    answers = data.draw(answers_for(paper))
    result = grade(paper, answers, rules)
    assert all(0 <= q.points <= q.max_points for q in result.questions)
    assert 0 <= result.total <= result.max_total
    assert result.max_total == sum(rules.points[q.kind] for q in paper)
    assert result.passed == (result.total >= rules.pass_mark)
    assert result.total == result.total.quantize(Decimal("0.01"))


@settings(max_examples=100, deadline=None)
@given(paper=questions(), rules=rules_strategy)
def test_all_right_scores_the_maximum_in_any_order(paper, rules):
    answers = {q.version_id: sorted(q.correct, reverse=True) for q in paper}
    result = grade(paper, answers, rules)
    assert result.total == result.max_total and all(q.correct for q in result.questions)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), paper=questions(), rules=rules_strategy)
def test_partial_credit_only_ever_adds_and_never_rewards_a_wrong_option(data, paper, rules):
    answers = data.draw(answers_for(paper))
    strict = grade(paper, answers, Rules(rules.points, rules.pass_mark, False))
    partial = grade(paper, answers, Rules(rules.points, rules.pass_mark, True))
    assert partial.total >= strict.total
    for question, s, p in zip(paper, strict.questions, partial.questions, strict=True):
        chosen = set(answers.get(question.version_id) or ())
        if chosen - question.correct:
            assert s.points == p.points == 0
        if question.kind != "multiple":
            assert s.points == p.points
