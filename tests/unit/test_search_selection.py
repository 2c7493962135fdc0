"""``compile_selection`` (whole-list filtering, used by SearchGameSessions) agrees with ``compile_filter``.

The two evaluators are built differently (lazy ``map`` chains over the list
versus a predicate per session), so they are checked against each other on the
documented cases and on random well-formed expressions over every operand.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.emulator.sessions.search_expression import GameSessionView, compile_filter, compile_selection
from tests.unit.test_search_expression import FILTER_CASES, SESSIONS, letters


def _reference(expression: str, views: tuple[GameSessionView, ...]) -> str:
    predicate = compile_filter(expression)
    return letters([v for v in views if predicate(v)])


@pytest.mark.parametrize(("expression", "expected"), FILTER_CASES)
def test_selection_matches_the_documented_cases(expression: str, expected: str) -> None:
    assert letters(compile_selection(expression)(SESSIONS)) == expected


def test_selection_keeps_input_order_and_leaves_input_alone() -> None:
    views = list(reversed(SESSIONS))
    before = list(views)
    assert letters(compile_selection("maximumSessions >= 0")(views)) == "dcba"
    assert views == before
    assert compile_selection("maximumSessions >= 0")([]) == []


_NUMBERS = st.sampled_from(["0", "1", "3", "4", "10", "16", "1000", "1500", "-1", "2.5", "4.0"])
_STRINGS = st.sampled_from(["'alpha'", "'Alpha'", "'brawl'", "'10'", "'9'", "''", "'ffa'", "'Matt\\'s Awesome Game 1'"])


@st.composite
def _condition(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["number", "string", "property", "boolean"]))
    if kind == "number":
        operand = draw(st.sampled_from(["maximumSessions", "creationTimeMillis", "playerSessionCount"]))
        comparator = draw(st.sampled_from(["=", "<>", "<", ">", "<=", ">="]))
        return f"{operand} {comparator} {draw(_NUMBERS)}"
    comparator = draw(st.sampled_from(["=", "<>"]))
    if kind == "boolean":
        return f"hasAvailablePlayerSessions {comparator} {draw(st.sampled_from(['true', 'false']))}"
    if kind == "property":
        key = draw(st.sampled_from(["mode", "level", "game-type", "missing"]))
        return f"gameSessionProperties.{key} {comparator} {draw(_STRINGS)}"
    operand = draw(st.sampled_from(["gameSessionName", "gameSessionId"]))
    return f"{operand} {comparator} {draw(_STRINGS)}"


_EXPRESSIONS = st.recursive(
    _condition(),
    lambda inner: st.one_of(
        inner.map(lambda e: f"NOT ({e})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) AND ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} OR {p[1]}"),
        st.tuples(inner, inner, inner).map(lambda p: f"{p[0]} AND {p[1]} OR NOT {p[2]}"),
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(_EXPRESSIONS, st.permutations(SESSIONS))
def test_selection_agrees_with_the_predicate(expression: str, views: list[GameSessionView]) -> None:
    ordered = tuple(views)
    assert letters(compile_selection(expression)(ordered)) == _reference(expression, ordered)
