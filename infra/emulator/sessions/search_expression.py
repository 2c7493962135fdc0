"""Parser and evaluator for SearchGameSessions ``FilterExpression`` and ``SortExpression``.

This module is pure (no I/O, no clock, no store access). The SearchGameSessions
handler turns each ACTIVE game session into a :class:`GameSessionView`, compiles
the request's expressions once with :func:`compile_filter` / :func:`compile_sort`
and applies the returned closures. A :class:`SearchExpressionError` is the
handler's cue to answer ``InvalidRequestException`` with ``str(error)``.

Sources: the ``SearchGameSessionsInput`` documentation in botocore's GameLift
model (``FilterExpression``, ``SortExpression`` and the operation text) and the
GameLift API reference page for SearchGameSessions, which carries the same text.

Documented behaviour, implemented as written
--------------------------------------------
* Operands: ``gameSessionName``, ``gameSessionId``, ``gameSessionProperties``
  (written ``gameSessionProperties.<key>``), ``maximumSessions``,
  ``creationTimeMillis``, ``playerSessionCount``, ``hasAvailablePlayerSessions``.
* Comparators: ``=``, ``<>``, ``<``, ``>``, ``<=``, ``>=``.
* Values are numbers, booleans (``true``/``false``) or strings "depending on the
  operand". String values are case sensitive and "must be enclosed in single
  quotes"; "special characters must be escaped" (``'Matt\\'s Awesome Game 1'``).
* "Boolean and string values can only be used with the comparators = and <>",
  so ``gameSessionName < 'b'`` or ``hasAvailablePlayerSessions > false`` is an error.
* "All game property values are searched as strings", and the filter must give
  "a Key and a string Value", so ``gameSessionProperties.level = 5`` is an error
  (write ``'5'``).
* ``AND``, ``OR``, ``NOT`` and parentheses; precedence from tightest to loosest:
  comparators, parentheses, ``NOT``, ``AND``, ``OR``; evaluation left to right.
* A sort expression is one operand and an order, ``ASC`` or ``DESC``, over the
  same seven operands. "Results with a null value for the sort operand are
  returned at the end of the list" (for ``ASC`` and ``DESC`` alike).
* Both expressions are ``NonZeroAndMaxString``: at least 1 and at most 1024
  characters (``min``/``max`` in botocore's model; copied here as
  :data:`MAX_EXPRESSION_LENGTH` because this module must not import botocore).
* Game property keys containing a period "cannot be searched", so a filter or
  sort key containing ``.`` is rejected.

Choices where the documentation is silent (all UNCONFIRMED against the real service)
-----------------------------------------------------------------------------------
Where in doubt the emulator is strict: an expression it accepts should also be
accepted by the real service, so a mistake shows up locally, not in production.

* UNCONFIRMED: only single quotes delimit strings. The operation text shows one
  example with double quotes (``gameSessionProperties.difficulty = "novice"``),
  which contradicts the normative "must be enclosed in single quotes"; a double
  quote is rejected with a message saying so.
* UNCONFIRMED: inside a string a backslash makes the next character literal
  (``\\'`` is ``'``, ``\\\\`` is ``\\``, ``\\x`` is ``x``); a string ending in a lone
  backslash is unterminated. Other characters need no escaping.
* UNCONFIRMED: keywords are case sensitive and spelled as documented: ``AND``,
  ``OR``, ``NOT``, ``ASC``, ``DESC`` in upper case and ``true``, ``false`` in lower
  case. Operand names are case sensitive too. Another spelling is an error whose
  message names the documented spelling.
* UNCONFIRMED: numbers are ``-?digits`` with an optional ``.digits`` fraction
  (no exponent, no leading ``+``) and compare numerically, exactly.
* UNCONFIRMED: a missing value (no ``gameSessionName``, or no property with the
  key) is never ``=`` to anything and always ``<>`` to everything, so
  ``x <> v`` is exactly ``NOT x = v`` and the logic stays two-valued.
* UNCONFIRMED: each condition is ``operand comparator value`` in that order; a
  value on the left, operand-to-operand comparisons and a bare boolean operand
  (``hasAvailablePlayerSessions`` without ``= true``) are errors.
* UNCONFIRMED: ``ASC``/``DESC`` is required in a sort expression, and only one
  operand can be given (no comma-separated list).
* UNCONFIRMED: strings sort by Unicode code point (case sensitive), booleans sort
  ``false`` before ``true``, property values sort as strings (``'10' < '9'``).
  Sessions that tie keep their input order (stable sort); sessions with a null
  sort value keep their input order at the end.
* UNCONFIRMED: nesting of parentheses and ``NOT`` is limited to
  :data:`MAX_NESTING_DEPTH` levels, so a pathological expression cannot exhaust
  Python's recursion limit.
* Any Unicode whitespace separates tokens; none is needed around comparators or
  parentheses (the documentation's own example is ``maximumSessions>=10``).
"""

from __future__ import annotations

import difflib
import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, NoReturn

__all__ = [
    "MAX_EXPRESSION_LENGTH",
    "MAX_NESTING_DEPTH",
    "And",
    "Attribute",
    "Comparison",
    "Constant",
    "Expr",
    "GameSessionView",
    "Not",
    "Or",
    "SearchExpressionError",
    "SortSpec",
    "compile_filter",
    "compile_selection",
    "compile_sort",
    "parse_filter",
    "parse_sort",
]

MAX_EXPRESSION_LENGTH: Final = 1024
"""``max`` of the ``NonZeroAndMaxString`` shape used by FilterExpression and SortExpression."""

MAX_NESTING_DEPTH: Final = 64
"""Deepest allowed nesting of ``(`` and ``NOT`` (an emulator limit, UNCONFIRMED for the real service)."""


class SearchExpressionError(ValueError):
    """Raised for any syntax or semantic error.

    str(e) is a message a user can act on: it names the parameter, the position
    and the offending token, and where possible the fix.

    ``column`` is the 1-based character position the message refers to (``None``
    when the message is about the expression as a whole), kept separately so a
    caller can point at it without parsing the message.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True, slots=True)
class GameSessionView:
    """The attributes the language can see, one per game session.

    The handler builds these from its own records, so the language never depends
    on how the store keeps game sessions. ``properties`` is excluded from the
    hash (a dict is not hashable) but still takes part in equality.
    """

    game_session_id: str
    name: str | None
    properties: Mapping[str, str] = field(hash=False)  # GameProperties as key -> value
    maximum_sessions: int  # MaximumPlayerSessionCount
    creation_time_millis: int
    player_session_count: int  # CurrentPlayerSessionCount
    has_available_player_sessions: bool  # status ACTIVE, policy ACCEPT_ALL and count < maximum


# --------------------------------------------------------------------------- AST

ValueKind = Literal["string", "number", "boolean"]
Comparator = Literal["=", "<>", "<", ">", "<=", ">="]

PROPERTIES_OPERAND: Final = "gameSessionProperties"

# Operand name -> the kind of value it holds. Order is the documented order (used in messages).
_OPERAND_KINDS: Final[dict[str, ValueKind]] = {
    "gameSessionName": "string",
    "gameSessionId": "string",
    PROPERTIES_OPERAND: "string",
    "maximumSessions": "number",
    "creationTimeMillis": "number",
    "playerSessionCount": "number",
    "hasAvailablePlayerSessions": "boolean",
}
_COMPARATORS: Final[tuple[Comparator, ...]] = ("=", "<>", "<", ">", "<=", ">=")
_EQUALITY_ONLY: Final = frozenset({"=", "<>"})


@dataclass(frozen=True, slots=True)
class Attribute:
    """An operand: ``name`` is the documented operand, ``key`` the property key for gameSessionProperties."""

    name: str
    key: str | None = None

    @property
    def kind(self) -> ValueKind:
        return _OPERAND_KINDS[self.name]

    def __str__(self) -> str:
        return self.name if self.key is None else f"{self.name}.{self.key}"


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal value; ``kind`` is explicit because ``bool`` is a subclass of ``int`` in Python."""

    kind: ValueKind
    value: str | int | float | bool


@dataclass(frozen=True, slots=True)
class Comparison:
    """``attribute comparator constant``: the only kind of condition the language has."""

    attribute: Attribute
    comparator: Comparator
    constant: Constant


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    """Two or more operands, flattened from a chain ``a AND b AND c`` so evaluation loops, not recurses."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more operands, flattened from a chain ``a OR b OR c``."""

    operands: tuple[Expr, ...]


Expr = Comparison | Not | And | Or


@dataclass(frozen=True, slots=True)
class SortSpec:
    attribute: Attribute
    descending: bool


# ------------------------------------------------------------------- tokenizer

TokenKind = Literal["word", "number", "string", "comparator", "lparen", "rparen", "comma", "end"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TokenKind
    text: str  # exactly as written in the expression (for messages)
    pos: int  # 0-based offset of the first character
    value: str | int | float | None = None  # decoded string / number

    def describe(self) -> str:
        if self.kind == "end":
            return "end of expression"
        if self.kind == "string":
            shown = self.text if len(self.text) <= 40 else self.text[:37] + "..."
            return f"string {shown}"
        return f"'{self.text}'"


# Characters that end a word (an operand, keyword or number) besides whitespace.
_DELIMITERS: Final = frozenset("=<>!()',\"")
_NUMBER_RE: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class _Source:
    """The expression text plus its name, so every error message says which parameter is wrong and where."""

    def __init__(self, text: str, parameter: str) -> None:
        self.text = text
        self.parameter = parameter

    def error(self, message: str, pos: int | None = None) -> NoReturn:
        if pos is None:
            raise SearchExpressionError(f"Invalid {self.parameter}: {message}")
        column = pos + 1
        raise SearchExpressionError(f"Invalid {self.parameter} at column {column}: {message}", column)


def _check_length(source: _Source) -> None:
    length = len(source.text)
    if length == 0:
        source.error("the expression is empty")
    if length > MAX_EXPRESSION_LENGTH:
        source.error(f"the expression is {length} characters long; the maximum is {MAX_EXPRESSION_LENGTH}")
    if source.text.isspace():
        source.error("the expression contains only whitespace")


def _tokenize(source: _Source) -> list[_Token]:
    text = source.text
    n = len(text)
    tokens: list[_Token] = []
    i = 0
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            tokens.append(_Token("lparen", c, i))
            i += 1
        elif c == ")":
            tokens.append(_Token("rparen", c, i))
            i += 1
        elif c == ",":
            tokens.append(_Token("comma", c, i))
            i += 1
        elif c in "<>=!":
            two = text[i : i + 2]
            if two in ("<=", ">=", "<>"):
                tokens.append(_Token("comparator", two, i))
                i += 2
            elif two == "!=":
                source.error("'!=' is not a comparator; write '<>' for 'not equal'", i)
            elif two == "==":
                source.error("'==' is not a comparator; write '=' for 'equal'", i)
            elif c == "!":
                source.error("'!' is not an operator; write NOT for negation or '<>' for 'not equal'", i)
            else:
                tokens.append(_Token("comparator", c, i))
                i += 1
        elif c == "'":
            i = _read_string(source, i, tokens)
        elif c == '"':
            source.error("string values must be enclosed in single quotes ('...'), not double quotes", i)
        else:
            j = i + 1
            while j < n and not text[j].isspace() and text[j] not in _DELIMITERS:
                j += 1
            word = text[i:j]
            if _NUMBER_RE.fullmatch(word):
                number: int | float = int(word) if "." not in word else float(word)
                tokens.append(_Token("number", word, i, number))
            else:
                tokens.append(_Token("word", word, i))
            i = j
    tokens.append(_Token("end", "", n))
    return tokens


def _read_string(source: _Source, start: int, tokens: list[_Token]) -> int:
    """Read a single-quoted string starting at ``start``; return the offset just after its closing quote."""
    text = source.text
    n = len(text)
    chars: list[str] = []
    i = start + 1
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                break  # a lone trailing backslash escapes nothing: unterminated
            chars.append(text[i + 1])
            i += 2
        elif c == "'":
            tokens.append(_Token("string", text[start : i + 1], start, "".join(chars)))
            return i + 1
        else:
            chars.append(c)
            i += 1
    source.error(
        "unterminated string: a string opened with ' has no closing ' (escape a quote inside as \\')", start
    )


# ---------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the token list; one instance parses one expression."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0

    # -- token helpers

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def fail(self, message: str, token: _Token) -> NoReturn:
        self.source.error(message, token.pos)

    def at_keyword(self, keyword: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text == keyword

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING_DEPTH:
            self.fail(f"the expression is nested more than {MAX_NESTING_DEPTH} levels deep", token)

    # -- filter grammar
    #   filter    := or_expr END
    #   or_expr   := and_expr ("OR" and_expr)*
    #   and_expr  := not_expr ("AND" not_expr)*
    #   not_expr  := "NOT" not_expr | primary
    #   primary   := "(" or_expr ")" | condition
    #   condition := operand comparator value

    def parse_filter(self) -> Expr:
        expr = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            self.unexpected_after_condition(token, inside_parentheses=False)
        return expr

    def or_expr(self) -> Expr:
        operands = [self.and_expr()]
        while self.at_keyword("OR"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Expr:
        operands = [self.not_expr()]
        while self.at_keyword("AND"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Expr:
        if self.at_keyword("NOT"):
            token = self.advance()
            self.enter(token)
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand)
        return self.primary()

    def primary(self) -> Expr:
        token = self.peek()
        if token.kind == "lparen":
            self.advance()
            self.enter(token)
            expr = self.or_expr()
            closing = self.peek()
            if closing.kind != "rparen":
                self.unexpected_after_condition(closing, inside_parentheses=True, opened=token)
            self.advance()
            self.depth -= 1
            return expr
        return self.condition()

    def unexpected_after_condition(
        self, token: _Token, *, inside_parentheses: bool, opened: _Token | None = None
    ) -> NoReturn:
        expected = "AND, OR or ')'" if inside_parentheses else "AND, OR or the end of the expression"
        if token.kind == "word" and token.text.upper() in ("AND", "OR"):
            self.fail(f"keywords are case sensitive: write '{token.text.upper()}', not '{token.text}'", token)
        if token.kind == "rparen" and not inside_parentheses:
            self.fail("')' has no matching '('", token)
        if token.kind == "end" and opened is not None:
            self.fail(f"'(' at column {opened.pos + 1} is never closed; expected {expected}", token)
        self.fail(f"expected {expected} but found {token.describe()}", token)

    def condition(self) -> Comparison:
        operand_token = self.advance()
        attribute = self.attribute(operand_token)
        comparator_token = self.advance()
        if comparator_token.kind != "comparator":
            self.fail(
                f"expected a comparator ({', '.join(_COMPARATORS)}) after {attribute} "
                f"but found {comparator_token.describe()}",
                comparator_token,
            )
        comparator: Comparator = comparator_token.text  # type: ignore[assignment]  # tokenizer only yields these
        value_token = self.advance()
        constant = self.constant(value_token)
        if constant.kind != attribute.kind:
            hint = ""
            if attribute.name == PROPERTIES_OPERAND and constant.kind != "string":
                hint = f"; game property values are strings, so write '{value_token.text}'"
            elif constant.kind == "string":
                hint = f"; {attribute.kind} values are written without quotes"
            self.fail(
                f"{attribute} holds {attribute.kind} values and cannot be compared with "
                f"the {constant.kind} value {value_token.text}{hint}",
                value_token,
            )
        if attribute.kind != "number" and comparator not in _EQUALITY_ONLY:
            self.fail(
                f"comparator '{comparator}' cannot be used with the {attribute.kind} operand {attribute}; "
                "string and boolean values can only be compared with = and <>",
                comparator_token,
            )
        return Comparison(attribute, comparator, constant)

    # -- pieces shared by both grammars

    def attribute(self, token: _Token) -> Attribute:
        if token.kind != "word":
            if token.kind == "end":
                self.fail("unexpected end of expression; expected an operand such as maximumSessions", token)
            if token.kind in ("string", "number"):
                self.fail(
                    f"expected an operand but found {token.describe()}; a condition is written "
                    "operand comparator value, e.g. playerSessionCount < 4",
                    token,
                )
            self.fail(f"expected an operand but found {token.describe()}", token)
        text = token.text
        if text in ("AND", "OR", "NOT", "ASC", "DESC"):
            self.fail(f"expected an operand but found the keyword '{text}'", token)
        if text.upper() in ("AND", "OR", "NOT"):
            self.fail(f"keywords are case sensitive: write '{text.upper()}', not '{text}'", token)
        name, dot, key = text.partition(".")
        if name in _OPERAND_KINDS:
            if name == PROPERTIES_OPERAND:
                if not dot or not key:
                    self.fail(
                        f"{PROPERTIES_OPERAND} needs a property key, e.g. {PROPERTIES_OPERAND}.gameMode",
                        token,
                    )
                if "." in key:
                    self.fail(
                        f"game property key '{key}' contains a period; such keys cannot be searched",
                        token,
                    )
                return Attribute(name, key)
            if not dot:
                return Attribute(name)
            self.fail(f"only {PROPERTIES_OPERAND} takes a '.key' suffix; found '{text}'", token)
        self.fail(f"unknown operand '{text}'{_operand_hint(name)}", token)

    def constant(self, token: _Token) -> Constant:
        if token.kind == "string":
            assert isinstance(token.value, str)
            return Constant("string", token.value)
        if token.kind == "number":
            assert isinstance(token.value, int | float)
            return Constant("number", token.value)
        if token.kind == "word":
            if token.text in ("true", "false"):
                return Constant("boolean", token.text == "true")
            if token.text.lower() in ("true", "false"):
                self.fail(f"boolean values are lower case: write '{token.text.lower()}'", token)
            if token.text.partition(".")[0] in _OPERAND_KINDS:
                self.fail(
                    f"expected a value but found the operand '{token.text}'; a condition can only "
                    "compare an operand with a value (number, true/false or 'string')",
                    token,
                )
            if token.text[0].isdigit() or (token.text[0] in "-." and token.text[1:2].isdigit()):
                self.fail(f"'{token.text}' is not a valid number (digits, optional '-' and '.digits')", token)
            self.fail(
                f"expected a value but found '{token.text}'; string values must be enclosed in single "
                f"quotes, e.g. '{token.text}'",
                token,
            )
        if token.kind == "end":
            self.fail(
                "unexpected end of expression; expected a value (number, true/false or 'string')", token
            )
        self.fail(f"expected a value (number, true/false or 'string') but found {token.describe()}", token)

    # -- sort grammar
    #   sort := operand ("ASC" | "DESC") END

    def parse_sort(self) -> SortSpec:
        attribute = self.attribute(self.advance())
        order = self.advance()
        if order.kind == "word" and order.text in ("ASC", "DESC"):
            descending = order.text == "DESC"
        elif order.kind == "word" and order.text.upper() in ("ASC", "DESC"):
            self.fail(f"sort orders are case sensitive: write '{order.text.upper()}'", order)
        elif order.kind == "end":
            self.fail(f"expected ASC or DESC after {attribute}", order)
        else:
            self.fail(f"expected ASC or DESC after {attribute} but found {order.describe()}", order)
        trailing = self.peek()
        if trailing.kind == "comma":
            self.fail(
                "a sort expression takes exactly one operand; sorting by several is not supported", trailing
            )
        if trailing.kind != "end":
            self.fail(f"unexpected {trailing.describe()} after the sort order", trailing)
        return SortSpec(attribute, descending)


def _operand_hint(name: str) -> str:
    operands = list(_OPERAND_KINDS)
    for candidate in operands:
        if candidate.lower() == name.lower():
            return f"; operand names are case sensitive: write '{candidate}'"
    close = difflib.get_close_matches(name, operands, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return "; valid operands are " + ", ".join(operands)


def parse_filter(text: str) -> Expr:
    """Parse a FilterExpression into its AST (exposed for tests and debugging; use :func:`compile_filter`)."""
    source = _Source(text, "FilterExpression")
    _check_length(source)
    return _Parser(source).parse_filter()


def parse_sort(text: str) -> SortSpec:
    """Parse a SortExpression (exposed for tests and debugging; use :func:`compile_sort`)."""
    source = _Source(text, "SortExpression")
    _check_length(source)
    return _Parser(source).parse_sort()


# ------------------------------------------------------------------- evaluator

Predicate = Callable[[GameSessionView], bool]
Getter = Callable[[GameSessionView], object]

_ATTRIBUTE_FIELDS: Final[dict[str, str]] = {
    "gameSessionName": "name",
    "gameSessionId": "game_session_id",
    "maximumSessions": "maximum_sessions",
    "creationTimeMillis": "creation_time_millis",
    "playerSessionCount": "player_session_count",
    "hasAvailablePlayerSessions": "has_available_player_sessions",
}
_OPERATORS: Final[dict[str, Callable[[object, object], bool]]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _getter(attribute: Attribute) -> Getter:
    if attribute.name == PROPERTIES_OPERAND:
        key = attribute.key

        def get_property(view: GameSessionView) -> object:
            return view.properties.get(key)  # type: ignore[arg-type]  # key is set for properties

        return get_property
    return operator.attrgetter(_ATTRIBUTE_FIELDS[attribute.name])


def _build(expr: Expr) -> Predicate:
    """Turn the AST into nested closures once, so evaluating a session is a few direct calls."""
    if isinstance(expr, Comparison):
        get = _getter(expr.attribute)
        compare = _OPERATORS[expr.comparator]
        value = expr.constant.value
        # A missing value is None: None == v is False and None <> v is True; the parser
        # only lets = and <> reach operands that can be missing, so None < v never runs.
        return lambda view: compare(get(view), value)
    if isinstance(expr, Not):
        inner = _build(expr.operand)
        return lambda view: not inner(view)
    parts = tuple(_build(operand) for operand in expr.operands)
    if isinstance(expr, And):
        if len(parts) == 2:
            first, second = parts
            return lambda view: first(view) and second(view)

        def all_of(view: GameSessionView) -> bool:
            return all(part(view) for part in parts)

        return all_of
    if len(parts) == 2:
        first, second = parts
        return lambda view: first(view) or second(view)

    def any_of(view: GameSessionView) -> bool:
        return any(part(view) for part in parts)

    return any_of


# ``value OP constant`` as ``OP'(constant, value)``, so the constant can be bound with functools.partial.
# Exact for the values the language compares (str, int, float, bool, None).
_REFLECTED: Final[dict[str, Callable[[object, object], bool]]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.gt,
    ">": operator.lt,
    "<=": operator.ge,
    ">=": operator.le,
}

Mask = Callable[[Sequence[GameSessionView]], Iterator[object]]


def _values(attribute: Attribute) -> Callable[[Sequence[GameSessionView]], Iterator[object]]:
    if attribute.name == PROPERTIES_OPERAND:
        get_key = operator.methodcaller("get", attribute.key)
        properties = operator.attrgetter("properties")
        return lambda views: map(get_key, map(properties, views))
    field = operator.attrgetter(_ATTRIBUTE_FIELDS[attribute.name])
    return lambda views: map(field, views)


def _build_mask(expr: Expr) -> Mask:
    """The AST as lazy ``map`` chains yielding one truth value per view: C loops, no Python call per session."""
    if isinstance(expr, Comparison):
        values = _values(expr.attribute)
        test = functools.partial(_REFLECTED[expr.comparator], expr.constant.value)
        return lambda views: map(test, values(views))
    if isinstance(expr, Not):
        inner = _build_mask(expr.operand)
        return lambda views: map(operator.not_, inner(views))
    parts = tuple(_build_mask(operand) for operand in expr.operands)
    # Every condition is pure, cannot fail and yields a bool, so combining all of them with & or |
    # equals short-circuiting and/or.
    combine = operator.and_ if isinstance(expr, And) else operator.or_

    def combined(views: Sequence[GameSessionView]) -> Iterator[object]:
        mask: Iterator[object] = parts[0](views)
        for part in parts[1:]:
            mask = map(combine, mask, part(views))
        return mask

    return combined


def _build_selection(expr: Expr) -> Callable[[Sequence[GameSessionView]], list[GameSessionView]]:
    mask = _build_mask(expr)
    return lambda views: list(itertools.compress(views, mask(views)))


def _build_sort(spec: SortSpec) -> Callable[[Sequence[GameSessionView]], list[GameSessionView]]:
    key = _getter(spec.attribute)
    descending = spec.descending
    if spec.attribute.name not in ("gameSessionName", PROPERTIES_OPERAND):
        # Never null: a plain stable sort.
        return lambda sessions: sorted(sessions, key=key, reverse=descending)  # type: ignore[arg-type]

    def sort_nulls_last(sessions: Sequence[GameSessionView]) -> list[GameSessionView]:
        present: list[tuple[object, GameSessionView]] = []
        missing: list[GameSessionView] = []
        for view in sessions:
            value = key(view)
            if value is None:
                missing.append(view)
            else:
                present.append((value, view))
        present.sort(key=operator.itemgetter(0), reverse=descending)
        result = [view for _, view in present]
        result.extend(missing)
        return result

    return sort_nulls_last


@functools.lru_cache(maxsize=512)
def _compile_filter_cached(text: str) -> Predicate:
    return _build(parse_filter(text))


@functools.lru_cache(maxsize=512)
def _compile_selection_cached(text: str) -> Callable[[Sequence[GameSessionView]], list[GameSessionView]]:
    return _build_selection(parse_filter(text))


@functools.lru_cache(maxsize=512)
def _compile_sort_cached(text: str) -> Callable[[Sequence[GameSessionView]], list[GameSessionView]]:
    return _build_sort(parse_sort(text))


def compile_filter(text: str) -> Callable[[GameSessionView], bool]:
    """Compile a FilterExpression into a predicate over :class:`GameSessionView`.

    Compilation does all parsing and type checking, so the predicate cannot fail
    and costs a handful of function calls per session. Results are cached by
    text, because clients tend to send the same few expressions over and over.
    Raises :class:`SearchExpressionError` for any invalid expression.
    """
    if not isinstance(text, str):
        raise TypeError(f"FilterExpression must be a str, not {type(text).__name__}")
    return _compile_filter_cached(text)


def compile_selection(text: str) -> Callable[[Sequence[GameSessionView]], list[GameSessionView]]:
    """Compile a FilterExpression into a function returning the views it keeps, in their order.

    The same test as :func:`compile_filter`, applied to a whole list at once:
    SearchGameSessions filters every ACTIVE session of a fleet on each call,
    and evaluating over the list in C loops costs a fraction of a predicate
    call per session. Raises :class:`SearchExpressionError` for any invalid expression.
    """
    if not isinstance(text, str):
        raise TypeError(f"FilterExpression must be a str, not {type(text).__name__}")
    return _compile_selection_cached(text)


def compile_sort(text: str) -> Callable[[Sequence[GameSessionView]], list[GameSessionView]]:
    """Compile a SortExpression into a function returning a new, sorted list.

    The input sequence is never modified. Sessions whose sort value is null (no
    name, or no such game property) come last whatever the order, as documented.
    Raises :class:`SearchExpressionError` for any invalid expression.
    """
    if not isinstance(text, str):
        raise TypeError(f"SortExpression must be a str, not {type(text).__name__}")
    return _compile_sort_cached(text)
