"""Table tests for the SearchGameSessions FilterExpression / SortExpression language.

The semantics under test are the documented ones (botocore's GameLift model)
plus the choices marked UNCONFIRMED in the module docstring of
infra.emulator.sessions.search_expression.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.emulator.sessions.search_expression import (
    MAX_EXPRESSION_LENGTH,
    MAX_NESTING_DEPTH,
    And,
    Attribute,
    Comparison,
    Constant,
    GameSessionView,
    Not,
    Or,
    SearchExpressionError,
    SortSpec,
    compile_filter,
    compile_sort,
    parse_filter,
    parse_sort,
)

ARN = "arn:aws:gamelift:us-west-2::gamesession/fleet-1111/"


def view(
    letter: str,
    *,
    name: str | None,
    props: dict[str, str],
    maximum: int,
    created: int,
    players: int,
    available: bool,
) -> GameSessionView:
    return GameSessionView(
        game_session_id=ARN + "gsess-" + letter,
        name=name,
        properties=props,
        maximum_sessions=maximum,
        creation_time_millis=created,
        player_session_count=players,
        has_available_player_sessions=available,
    )


# Four sessions chosen so that every operand separates them in at least two ways.
A = view(
    "a",
    name="Matt's Awesome Game 1",
    props={"mode": "brawl", "level": "10", "quote": "it's \\ here"},
    maximum=10,
    created=1_000,
    players=3,
    available=True,
)
B = view(
    "b",
    name="alpha",
    props={"mode": "ranked", "level": "9"},
    maximum=4,
    created=2_000,
    players=4,
    available=False,
)
C = view("c", name=None, props={}, maximum=16, created=3_000, players=0, available=True)
D = view(
    "d",
    name="Alpha",
    props={"mode": "brawl", "game-type": "ffa"},
    maximum=4,
    created=1_500,
    players=1,
    available=True,
)
SESSIONS = (A, B, C, D)


def letters(sessions: list[GameSessionView] | tuple[GameSessionView, ...]) -> str:
    return "".join(s.game_session_id[-1] for s in sessions)


def matching(expression: str) -> str:
    predicate = compile_filter(expression)
    return letters([s for s in SESSIONS if predicate(s)])


TOO_DEEP = MAX_NESTING_DEPTH + 1

# ----------------------------------------------------------------- filtering

FILTER_CASES = [
    # maximumSessions: all six comparators
    ("maximumSessions = 4", "bd"),
    ("maximumSessions <> 4", "ac"),
    ("maximumSessions < 10", "bd"),
    ("maximumSessions > 4", "ac"),
    ("maximumSessions <= 10", "abd"),
    ("maximumSessions >= 10", "ac"),
    # creationTimeMillis
    ("creationTimeMillis = 1500", "d"),
    ("creationTimeMillis <> 1500", "abc"),
    ("creationTimeMillis < 1500", "a"),
    ("creationTimeMillis > 1500", "bc"),
    ("creationTimeMillis <= 1500", "ad"),
    ("creationTimeMillis >= 2000", "bc"),
    # playerSessionCount
    ("playerSessionCount = 0", "c"),
    ("playerSessionCount <> 0", "abd"),
    ("playerSessionCount < 3", "cd"),
    ("playerSessionCount > 3", "b"),
    ("playerSessionCount <= 3", "acd"),
    ("playerSessionCount >= 3", "ab"),
    # numbers: negative, decimal, large, leading zeros
    ("playerSessionCount > -1", "abcd"),
    ("maximumSessions < 4.5", "bd"),
    ("maximumSessions > 9.99", "ac"),
    ("maximumSessions = 4.0", "bd"),
    ("creationTimeMillis < 99999999999999999999", "abcd"),
    ("maximumSessions = 0004", "bd"),
    # hasAvailablePlayerSessions: booleans with = and <>
    ("hasAvailablePlayerSessions = true", "acd"),
    ("hasAvailablePlayerSessions = false", "b"),
    ("hasAvailablePlayerSessions <> true", "b"),
    ("hasAvailablePlayerSessions <> false", "acd"),
    # gameSessionName: case sensitive strings, escapes, missing name
    ("gameSessionName = 'alpha'", "b"),
    ("gameSessionName = 'Alpha'", "d"),
    ("gameSessionName = 'ALPHA'", ""),
    ("gameSessionName <> 'alpha'", "acd"),
    ("gameSessionName = 'Matt\\'s Awesome Game 1'", "a"),
    ("gameSessionName = 'Matt\\'s Awesome Game'", ""),
    ("gameSessionName = ''", ""),
    ("gameSessionName <> ''", "abcd"),
    # gameSessionId: the full ARN
    (f"gameSessionId = '{ARN}gsess-c'", "c"),
    (f"gameSessionId <> '{ARN}gsess-c'", "abd"),
    ("gameSessionId = 'gsess-c'", ""),
    # gameSessionProperties: strings, missing keys, odd key characters, escapes
    ("gameSessionProperties.mode = 'brawl'", "ad"),
    ("gameSessionProperties.mode <> 'brawl'", "bc"),
    ("gameSessionProperties.mode = 'Brawl'", ""),
    ("gameSessionProperties.level = '10'", "a"),
    ("gameSessionProperties.level = '010'", ""),
    ("gameSessionProperties.missing = 'x'", ""),
    ("gameSessionProperties.missing <> 'x'", "abcd"),
    ("gameSessionProperties.game-type = 'ffa'", "d"),
    ("gameSessionProperties.quote = 'it\\'s \\\\ here'", "a"),
    ("gameSessionProperties.Mode = 'brawl'", ""),
    # literal characters that are syntax outside a string
    ("gameSessionName = '(AND) OR <> = \"x\"'", ""),
    # whitespace is optional around comparators and parentheses, any amount elsewhere
    ("maximumSessions>=10", "ac"),
    ("maximumSessions>=10 AND hasAvailablePlayerSessions=true", "ac"),
    ("(maximumSessions=4)AND(playerSessionCount=1)", "d"),
    ("  maximumSessions \t=\n4  ", "bd"),
    # AND / OR / NOT
    ("maximumSessions = 4 AND playerSessionCount = 1", "d"),
    ("maximumSessions = 4 OR playerSessionCount = 0", "bcd"),
    ("NOT maximumSessions = 4", "ac"),
    ("NOT NOT maximumSessions = 4", "bd"),
    ("NOT (maximumSessions = 4 OR playerSessionCount = 0)", "a"),
    ("maximumSessions = 4 AND NOT hasAvailablePlayerSessions = true", "b"),
    ("maximumSessions = 4 AND hasAvailablePlayerSessions = true AND playerSessionCount > 0", "d"),
    ("playerSessionCount = 0 OR playerSessionCount = 1 OR playerSessionCount = 4", "bcd"),
    # precedence: NOT > AND > OR, left to right; parentheses override
    # true OR (false AND false) = true for C; (true OR false) AND false would be false
    ("playerSessionCount = 0 OR maximumSessions = 4 AND playerSessionCount = 4", "bc"),
    ("(playerSessionCount = 0 OR maximumSessions = 4) AND playerSessionCount = 4", "b"),
    ("maximumSessions = 4 AND playerSessionCount = 4 OR playerSessionCount = 0", "bc"),
    ("maximumSessions = 4 AND (playerSessionCount = 4 OR playerSessionCount = 0)", "b"),
    # NOT binds tighter than AND and OR
    ("NOT playerSessionCount = 0 AND maximumSessions = 16", ""),
    ("NOT (playerSessionCount = 0 AND maximumSessions = 16)", "abd"),
    ("NOT playerSessionCount = 0 OR maximumSessions = 16", "abcd"),
    ("NOT (playerSessionCount = 0 OR maximumSessions = 16)", "abd"),
    ("((maximumSessions = 4))", "bd"),
    ("NOT (NOT (maximumSessions = 4))", "bd"),
    ("(maximumSessions = 4 OR maximumSessions = 10) AND (hasAvailablePlayerSessions = true)", "ad"),
]


@pytest.mark.parametrize(("expression", "expected"), FILTER_CASES)
def test_filter_selects_expected_sessions(expression: str, expected: str) -> None:
    assert matching(expression) == expected


def cmp(name: str, comparator: str, kind: str, value: object, key: str | None = None) -> Comparison:
    return Comparison(Attribute(name, key), comparator, Constant(kind, value))  # type: ignore[arg-type]


P0 = cmp("playerSessionCount", "=", "number", 0)
M4 = cmp("maximumSessions", "=", "number", 4)
AV = cmp("hasAvailablePlayerSessions", "=", "boolean", True)
AVS = "hasAvailablePlayerSessions=true"


@pytest.mark.parametrize(
    ("expression", "tree"),
    [
        ("playerSessionCount = 0", P0),
        (f"playerSessionCount=0 OR maximumSessions=4 AND {AVS}", Or((P0, And((M4, AV))))),
        (f"playerSessionCount=0 AND maximumSessions=4 OR {AVS}", Or((And((P0, M4)), AV))),
        ("NOT playerSessionCount=0 AND maximumSessions=4", And((Not(P0), M4))),
        ("NOT (playerSessionCount=0 AND maximumSessions=4)", Not(And((P0, M4)))),
        (f"playerSessionCount=0 AND maximumSessions=4 AND {AVS}", And((P0, M4, AV))),
        (f"playerSessionCount=0 OR maximumSessions=4 OR {AVS}", Or((P0, M4, AV))),
        (f"(playerSessionCount=0 OR maximumSessions=4) AND {AVS}", And((Or((P0, M4)), AV))),
        ("NOT NOT playerSessionCount=0", Not(Not(P0))),
        ("gameSessionProperties.mode = 'a\\'b'", cmp("gameSessionProperties", "=", "string", "a'b", "mode")),
        ("maximumSessions < -2.5", cmp("maximumSessions", "<", "number", -2.5)),
        ("hasAvailablePlayerSessions <> false", cmp("hasAvailablePlayerSessions", "<>", "boolean", False)),
    ],
)
def test_parse_tree_reflects_precedence(expression: str, tree: object) -> None:
    assert parse_filter(expression) == tree


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        # empty input / length limit
        ("", "empty"),
        ("   \t\n", "only whitespace"),
        ("maximumSessions = " + "1" * MAX_EXPRESSION_LENGTH, "maximum is 1024"),
        # unknown / malformed operands
        ("foo = 1", "unknown operand 'foo'"),
        ("maximumsessions = 1", "write 'maximumSessions'"),
        ("maxSessions = 1", "did you mean 'maximumSessions'"),
        ("gameSessionProperties = 'x'", "needs a property key"),
        ("gameSessionProperties. = 'x'", "needs a property key"),
        ("gameSessionProperties.a.b = 'x'", "contains a period"),
        ("maximumSessions.x = 1", "only gameSessionProperties takes"),
        ("GameSessionProperties.mode = 'x'", "write 'gameSessionProperties'"),
        # strings: quoting and termination
        ("gameSessionName = 'abc", "unterminated string"),
        ("gameSessionName = 'abc\\'", "unterminated string"),
        ("gameSessionName = 'abc\\", "unterminated string"),
        ('gameSessionName = "abc"', "single quotes"),
        ("gameSessionName = abc", "must be enclosed in single quotes"),
        ("gameSessionName = 'a' 'b'", "expected AND, OR or the end"),
        # comparators
        ("maximumSessions != 1", "write '<>'"),
        ("maximumSessions == 1", "write '='"),
        ("maximumSessions => 1", "expected a value"),
        ("maximumSessions 1", "expected a comparator"),
        ("maximumSessions", "expected a comparator"),
        ("maximumSessions =", "unexpected end of expression; expected a value"),
        ("! maximumSessions = 1", "NOT for negation"),
        # values and types
        ("maximumSessions = 1x", "not a valid number"),
        ("maximumSessions = 1.", "not a valid number"),
        ("maximumSessions = .5", "not a valid number"),
        ("maximumSessions = 1e3", "not a valid number"),
        ("maximumSessions = '5'", "without quotes"),
        ("maximumSessions = true", "cannot be compared with the boolean value"),
        ("gameSessionProperties.level = 5", "so write '5'"),
        ("gameSessionProperties.ranked = true", "so write 'true'"),
        ("gameSessionName = 5", "cannot be compared with the number value"),
        ("hasAvailablePlayerSessions = 1", "cannot be compared with the number value"),
        ("hasAvailablePlayerSessions = 'true'", "without quotes"),
        ("hasAvailablePlayerSessions = TRUE", "write 'true'"),
        ("hasAvailablePlayerSessions = True", "write 'true'"),
        ("hasAvailablePlayerSessions > false", "can only be compared with = and <>"),
        ("gameSessionName < 'b'", "can only be compared with = and <>"),
        ("gameSessionProperties.level >= '5'", "can only be compared with = and <>"),
        ("gameSessionId <= 'x'", "can only be compared with = and <>"),
        # condition shape
        ("10 <= maximumSessions", "expected an operand but found '10'"),
        ("'x' = gameSessionName", "expected an operand but found string 'x'"),
        ("maximumSessions = playerSessionCount", "compare an operand with a value"),
        ("hasAvailablePlayerSessions", "expected a comparator"),
        # logic and parentheses
        ("maximumSessions = 1 and playerSessionCount = 1", "write 'AND'"),
        ("maximumSessions = 1 or playerSessionCount = 1", "write 'OR'"),
        ("not maximumSessions = 1", "write 'NOT'"),
        ("maximumSessions = 1 AND", "unexpected end of expression; expected an operand"),
        ("AND maximumSessions = 1", "found the keyword 'AND'"),
        ("maximumSessions = 1 AND OR playerSessionCount = 1", "found the keyword 'OR'"),
        ("NOT", "unexpected end of expression"),
        ("maximumSessions = 1 playerSessionCount = 1", "expected AND, OR or the end"),
        ("maximumSessions = 1 && playerSessionCount = 1", "found '&&'"),
        ("(maximumSessions = 1", "is never closed"),
        ("((maximumSessions = 1)", "is never closed"),
        ("maximumSessions = 1)", "has no matching '('"),
        ("()", "expected an operand but found ')'"),
        ("maximumSessions = (1)", "expected a value"),
        ("maximumSessions = 1, playerSessionCount = 1", "found ','"),
        ("(" * TOO_DEEP + "maximumSessions = 1" + ")" * TOO_DEEP, "nested more"),
        ("NOT " * TOO_DEEP + "maximumSessions = 1", "nested more"),
    ],
)
def test_malformed_filter_raises(expression: str, fragment: str) -> None:
    with pytest.raises(SearchExpressionError) as info:
        compile_filter(expression)
    message = str(info.value)
    assert fragment in message
    assert message.startswith("Invalid FilterExpression")


@pytest.mark.parametrize(
    ("expression", "column", "token"),
    [
        ("foo = 1", 1, "'foo'"),
        ("maximumSessions = 1 AND bar = 2", 25, "'bar'"),
        ("gameSessionName = 'abc", 19, "unterminated"),
        ("maximumSessions = 1 )", 21, "')'"),
        ("playerSessionCount = 1 and x", 24, "'and'"),
    ],
)
def test_error_names_column_and_token(expression: str, column: int, token: str) -> None:
    with pytest.raises(SearchExpressionError) as info:
        compile_filter(expression)
    assert info.value.column == column
    assert f"column {column}" in str(info.value)
    assert token in str(info.value)


def test_error_is_a_value_error() -> None:
    assert issubclass(SearchExpressionError, ValueError)


def test_nesting_at_the_limit_is_accepted() -> None:
    depth = MAX_NESTING_DEPTH
    assert matching("(" * depth + "maximumSessions = 4" + ")" * depth) == "bd"
    assert matching("NOT " * depth + "maximumSessions = 4") == "bd"  # even count of NOTs


def test_length_limit_matches_botocore_model() -> None:
    botocore_session = pytest.importorskip("botocore.session")
    model = botocore_session.get_session().get_service_model("gamelift")
    members = model.operation_model("SearchGameSessions").input_shape.members
    for name in ("FilterExpression", "SortExpression"):
        assert members[name].metadata["max"] == MAX_EXPRESSION_LENGTH
        assert members[name].metadata["min"] == 1


def test_expression_of_exactly_max_length_is_accepted() -> None:
    base = "maximumSessions = 4"
    padded = base + " " * (MAX_EXPRESSION_LENGTH - len(base))
    assert len(padded) == MAX_EXPRESSION_LENGTH
    assert matching(padded) == "bd"
    with pytest.raises(SearchExpressionError, match="1025 characters"):
        compile_filter(padded + " ")
    with pytest.raises(SearchExpressionError, match="1025 characters"):
        compile_sort("creationTimeMillis ASC" + " " * (MAX_EXPRESSION_LENGTH + 1 - 22))


def test_compile_is_cached_and_rejects_non_strings() -> None:
    assert compile_filter("maximumSessions = 4") is compile_filter("maximumSessions = 4")
    with pytest.raises(TypeError):
        compile_filter(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compile_sort(b"creationTimeMillis ASC")  # type: ignore[arg-type]


def test_views_are_hashable_despite_dict_properties() -> None:
    assert len({A, B, A}) == 2


# ------------------------------------------------------------------- sorting

SORT_CASES = [
    ("creationTimeMillis ASC", "adbc"),
    ("creationTimeMillis DESC", "cbda"),
    # ties keep input order in both directions (B and D both have 4)
    ("maximumSessions ASC", "bdac"),
    ("maximumSessions DESC", "cabd"),
    ("playerSessionCount ASC", "cdab"),
    ("playerSessionCount DESC", "badc"),
    # false before true; ties keep input order
    ("hasAvailablePlayerSessions ASC", "bacd"),
    ("hasAvailablePlayerSessions DESC", "acdb"),
    # names by code point ('A' < 'M' < 'a'); C has no name: last in both directions
    ("gameSessionName ASC", "dabc"),
    ("gameSessionName DESC", "badc"),
    ("gameSessionId ASC", "abcd"),
    ("gameSessionId DESC", "dcba"),
    # property values sort as strings ('10' < '9'); sessions without the key last, in input order
    ("gameSessionProperties.level ASC", "abcd"),
    ("gameSessionProperties.level DESC", "bacd"),
    ("gameSessionProperties.mode ASC", "adbc"),
    ("gameSessionProperties.mode DESC", "badc"),
    ("gameSessionProperties.game-type DESC", "dabc"),
    ("gameSessionProperties.nothing ASC", "abcd"),
    # whitespace
    ("  creationTimeMillis\tDESC \n", "cbda"),
]


@pytest.mark.parametrize(("expression", "expected"), SORT_CASES)
def test_sort_orders_sessions(expression: str, expected: str) -> None:
    assert letters(compile_sort(expression)(SESSIONS)) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # reversed input: ties and nulls follow the new input order
        ("maximumSessions ASC", "dbac"),
        ("gameSessionProperties.level ASC", "abdc"),
    ],
)
def test_sort_is_stable_with_respect_to_input(expression: str, expected: str) -> None:
    assert letters(compile_sort(expression)(tuple(reversed(SESSIONS)))) == expected


def test_sort_returns_new_list_and_leaves_input_alone() -> None:
    original = [C, B, A, D]
    result = compile_sort("creationTimeMillis ASC")(original)
    assert original == [C, B, A, D]
    assert result is not original
    assert compile_sort("gameSessionName ASC")([]) == []


@pytest.mark.parametrize(
    ("expression", "tree"),
    [
        ("creationTimeMillis ASC", SortSpec(Attribute("creationTimeMillis"), descending=False)),
        ("gameSessionProperties.mode DESC", SortSpec(Attribute("gameSessionProperties", "mode"), True)),
    ],
)
def test_parse_sort(expression: str, tree: SortSpec) -> None:
    assert parse_sort(expression) == tree


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("", "empty"),
        ("  ", "only whitespace"),
        ("creationTimeMillis", "expected ASC or DESC"),
        ("creationTimeMillis asc", "write 'ASC'"),
        ("creationTimeMillis Desc", "write 'DESC'"),
        ("creationTimeMillis UP", "expected ASC or DESC after creationTimeMillis but found 'UP'"),
        ("ASC", "found the keyword 'ASC'"),
        ("creationtimemillis ASC", "write 'creationTimeMillis'"),
        ("nothing ASC", "unknown operand 'nothing'"),
        ("gameSessionProperties ASC", "needs a property key"),
        ("creationTimeMillis ASC, playerSessionCount DESC", "exactly one operand"),
        ("creationTimeMillis ASC DESC", "unexpected 'DESC' after the sort order"),
        ("creationTimeMillis = 1", "expected ASC or DESC"),
        ("'creationTimeMillis' ASC", "expected an operand"),
        ("(creationTimeMillis ASC)", "expected an operand but found '('"),
    ],
)
def test_malformed_sort_raises(expression: str, fragment: str) -> None:
    with pytest.raises(SearchExpressionError) as info:
        compile_sort(expression)
    assert fragment in str(info.value)
    assert str(info.value).startswith("Invalid SortExpression")


# ---------------------------------------------------------------- robustness

# Fragments of the language, so generated text often gets deep into the parser.
# fmt: off
FRAGMENTS = [
    "gameSessionName", "gameSessionId", "gameSessionProperties", "gameSessionProperties.mode",
    "gameSessionProperties.", "maximumSessions", "creationTimeMillis", "playerSessionCount",
    "hasAvailablePlayerSessions", "=", "<>", "<", ">", "<=", ">=", "!", "!=", "==", "AND", "OR", "NOT",
    "and", "ASC", "DESC", "true", "false", "TRUE", "(", ")", ",", "'", "'brawl'", "'a\\'b'", "\\", '"',
    "0", "-1", "4.5", "1.", "1e3", "99999999999999999999", " ", "\t", "\u00a0", "é", ".",
]
# fmt: on


def _check_never_raises_other_errors(text: str) -> None:
    try:
        predicate = compile_filter(text)
    except SearchExpressionError:
        pass
    else:
        for session in SESSIONS:
            assert isinstance(predicate(session), bool)
    try:
        sort = compile_sort(text)
    except SearchExpressionError:
        pass
    else:
        assert sorted(letters(sort(SESSIONS))) == list("abcd")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_search_expression_error(text: str) -> None:
    _check_never_raises_other_errors(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join))
def test_random_token_soup_only_raises_search_expression_error(text: str) -> None:
    _check_never_raises_other_errors(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_random_unspaced_token_soup_only_raises_search_expression_error(text: str) -> None:
    _check_never_raises_other_errors(text)
