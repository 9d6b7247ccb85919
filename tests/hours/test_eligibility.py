"""The credit-hour rules at their edges, for each seeded scheme, and their properties."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hours.rules.eligibility import Entry, Rule, standing

D = Decimal
day = datetime.date

SAFETY = Rule(effective_from=day(2019, 1, 1), hours_per_year=D(8), hours_per_period=D(24))
SITE = Rule(
    effective_from=day(2019, 1, 1), hours_per_year=D(32), professional_hours_per_year=D(22),
    window_years=2, window_hours=D(64), yearly_rule_starts="year_after_issue", consequence="void",
)
GUANGDONG = 44


def safety(entries, as_of, rules=(SAFETY,), issued=day(2023, 3, 1), province_id=None):
    return standing(
        issued_on=issued, expires_on=day(issued.year + 3, issued.month, issued.day), entries=entries,
        rules=rules, as_of=as_of, province_id=province_id,
    )


def site(entries, as_of, issued=day(2023, 3, 1)):
    return standing(issued_on=issued, expires_on=day(2026, 3, 1), entries=entries, rules=[SITE], as_of=as_of)


def each_year(hours, years=(2023, 2024, 2025, 2026), professional=False, month=6):
    return [Entry(day(y, month, 1), D(hours), professional) for y in years]


class TestSafetyManagers:
    def test_seven_and_a_half_hours_in_a_year_is_short_eight_is_enough(self):
        entries = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 6, 1), D("7.5"))]
        assert safety(entries, day(2025, 2, 1)).status == "short"
        assert safety(entries[:1] + [Entry(day(2024, 6, 1), D(8))], day(2025, 2, 1)).status == "on_track"

    def test_twenty_three_hours_in_the_period_is_short_twenty_four_is_met(self):
        # 8 + 8 + 7 (+0 in the expiry year's two months) = 23 over the whole validity
        short = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 6, 1), D(8)), Entry(day(2025, 6, 1), D(7)), Entry(day(2026, 1, 5), D(8))]
        met = short[:2] + [Entry(day(2025, 6, 1), D(8)), Entry(day(2026, 1, 5), D(8))]
        before_expiry = day(2026, 2, 1)
        assert safety(short, before_expiry).status == "short"  # 2025 had only 7
        assert safety(met, before_expiry).status == "met"
        over = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 6, 1), D(8)), Entry(day(2025, 6, 1), D(8)), Entry(day(2026, 2, 1), D(8))]
        tally = safety(over[:3] + [Entry(day(2026, 2, 1), D("7.99"))], before_expiry.replace(month=2, day=28))
        assert tally.period_total == D("31.99")

    def test_a_period_of_twenty_three_hours_fails_once_it_is_over(self):
        entries = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 6, 1), D(8)), Entry(day(2025, 6, 1), D(8))]
        rule = Rule(effective_from=day(2019, 1, 1), hours_per_year=D(7), hours_per_period=D(24))
        assert safety(entries, day(2026, 4, 1), rules=[rule]).status == "met"
        entries[-1] = Entry(day(2025, 6, 1), D(7))
        result = safety(entries, day(2026, 4, 1), rules=[rule])
        assert result.status == "short" and result.period_shortfall == D(1)

    def test_the_current_year_is_on_track_until_it_is_over(self):
        entries = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 6, 1), D(8))]
        assert safety(entries, day(2025, 6, 1)).status == "on_track"
        assert safety(entries, day(2026, 1, 2)).status == "short"

    def test_the_explanation_says_what_is_missing_in_chinese(self):
        entries = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 6, 1), D(5))]
        with translation.override("zh-hans"):
            text = safety(entries, day(2025, 2, 1)).explanation
        assert "2024年度还差3学时" in text and "不能延期" in text


class TestSiteProfessionals:
    def test_thirty_two_hours_with_twenty_one_professional_is_short(self):
        entries = [Entry(day(2024, 3, 1), D(11)), Entry(day(2024, 4, 1), D(21), True)]
        result = site(entries, day(2025, 1, 10))
        assert result.status == "short"
        with translation.override("zh-hans"):
            assert "2024年度还差1学时专业岗位知识" in site(entries, day(2025, 1, 10)).explanation.replace(" ", "")
        entries[1] = Entry(day(2024, 4, 1), D(22), True)
        entries[0] = Entry(day(2024, 3, 1), D(10))
        assert site(entries, day(2025, 1, 10)).status == "on_track"  # 2025 is not over

    def test_the_issue_year_asks_nothing(self):
        assert site([], day(2023, 12, 1)).status == "met"
        assert site([], day(2023, 12, 1)).years == ()

    def test_sixty_three_hours_over_two_years_voids_sixty_four_does_not(self):
        base = [Entry(day(2024, 4, 1), D(22), True), Entry(day(2025, 4, 1), D(22), True)]
        void = base + [Entry(day(2024, 5, 1), D(10)), Entry(day(2025, 5, 1), D(9))]
        kept = base + [Entry(day(2024, 5, 1), D(10)), Entry(day(2025, 5, 1), D(10))]
        assert site(void, day(2026, 1, 10)).status == "void"
        assert site(kept, day(2026, 1, 10)).status == "met"
        with translation.override("zh-hans"):
            assert "失效" in site(void, day(2026, 1, 10)).explanation


class TestVersions:
    def test_guangdong_keeps_hours_earned_before_its_new_system(self):
        strict = Rule(effective_from=day(2024, 1, 15), hours_per_year=D(8), hours_per_period=D(24), hours_count_from=day(2024, 1, 15))
        lenient = Rule(effective_from=day(2024, 1, 15), province_id=GUANGDONG, hours_per_year=D(8), hours_per_period=D(24))
        entries = [Entry(day(2023, 6, 1), D(8)), Entry(day(2024, 1, 14), D(8)), Entry(day(2024, 1, 15), D(8))]
        as_of = day(2024, 6, 1)
        elsewhere = safety(entries, as_of, rules=[SAFETY, strict, lenient])
        guangdong = safety(entries, as_of, rules=[SAFETY, strict, lenient], province_id=GUANGDONG)
        assert elsewhere.period_total == D(8) and elsewhere.status == "short"  # 2023's and 14 January's hours lapse
        assert guangdong.period_total == D(24) and guangdong.status == "met"

    def test_the_version_in_force_on_the_day_sets_the_requirement(self):
        raised = Rule(effective_from=day(2025, 1, 1), hours_per_year=D(10), hours_per_period=D(24))
        entries = each_year(8, years=(2023, 2024))
        assert safety(entries, day(2024, 12, 31), rules=[SAFETY, raised]).status in {"met", "on_track"}
        assert safety(entries, day(2025, 1, 2), rules=[SAFETY, raised]).status == "short"

    def test_no_rule_before_any_version(self):
        assert safety([], day(2018, 1, 1)).status == "no_rule"


entries_strategy = st.lists(
    st.builds(
        Entry,
        earned_on=st.dates(min_value=day(2022, 1, 1), max_value=day(2027, 12, 31)),
        hours=st.decimals(min_value=D("0.5"), max_value=D(40), places=1),
        professional=st.booleans(),
    ),
    max_size=25,
)
as_of_strategy = st.dates(min_value=day(2023, 3, 1), max_value=day(2027, 6, 1))
RANK = {"void": 0, "short": 1, "on_track": 2, "met": 3}


class TestProperties:
    @hypothesis_settings(max_examples=300, deadline=None)
    @given(entries=entries_strategy, as_of=as_of_strategy, rule=st.sampled_from([SAFETY, SITE]))
    def test_a_year_counts_exactly_its_own_hours_within_validity(self, entries, as_of, rule):
        result = standing(issued_on=day(2023, 3, 1), expires_on=day(2026, 3, 1), entries=entries, rules=[rule], as_of=as_of)
        for year in result.years:
            expected = sum(
                (e.hours for e in entries if e.earned_on.year == year.year and day(2023, 3, 1) <= e.earned_on <= min(as_of, day(2026, 3, 1))),
                D(0),
            )
            assert year.total == expected
            assert year.shortfall == max(D(0), rule.hours_per_year - expected)

    @hypothesis_settings(max_examples=300, deadline=None)
    @given(entries=entries_strategy, extra=entries_strategy, as_of=as_of_strategy, rule=st.sampled_from([SAFETY, SITE]))
    def test_more_hours_never_make_a_standing_worse(self, entries, extra, as_of, rule):
        def rank(items):
            return RANK[standing(issued_on=day(2023, 3, 1), expires_on=day(2026, 3, 1), entries=items, rules=[rule], as_of=as_of).status]

        assert rank(entries + extra) >= rank(entries)

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(entries=entries_strategy, as_of=as_of_strategy, rule=st.sampled_from([SAFETY, SITE]))
    def test_splitting_an_entry_or_adding_hours_outside_validity_changes_nothing(self, entries, as_of, rule):
        def run(items):
            return standing(issued_on=day(2023, 3, 1), expires_on=day(2026, 3, 1), entries=items, rules=[rule], as_of=as_of)

        split = [half for e in entries for half in (Entry(e.earned_on, e.hours / 2, e.professional),) * 2]
        outside = entries + [Entry(day(2023, 2, 28), D(40)), Entry(day(2026, 3, 2), D(40)), Entry(as_of + datetime.timedelta(days=1), D(40))]
        assert run(split).status == run(entries).status == run(outside).status
        assert run(split).period_total == run(entries).period_total


@pytest.mark.django_db
def test_hours_of_several_certificates_are_kept_apart(world):
    from hours.selectors.ledger import certificate_standing
    from tests.factories import CertificateFactory, HoursEntryFactory, credential

    c, b = credential("C"), credential("B")
    person = world.gz_worker
    common = {"holder": person, "authority": world.gz_authority, "issued_on": day(2023, 3, 1), "expires_on": day(2026, 3, 1)}
    as_c = CertificateFactory(number="C-1", credential=c, **common)
    as_b = CertificateFactory(number="B-1", credential=b, **common)
    for year in (2023, 2024):
        HoursEntryFactory(person=person, credential=c, category="general", hours=8, earned_on=day(year, 6, 1), source="offline")
    assert certificate_standing(as_c, as_of=day(2025, 1, 10)).status == "on_track"
    b_standing = certificate_standing(as_b, as_of=day(2025, 1, 10))
    assert b_standing.status == "short" and b_standing.period_total == 0
