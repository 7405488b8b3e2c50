"""Hostile programs for the code reader: nesting, exponent towers, shared structures and long chains, each
within the paste box's length limit. Shared by the bounded-reading test and bench/hostile_reading.py."""

from __future__ import annotations

from hypothesis import strategies as st

from lrviz.schedules.schedule import MAX_SPEC_LENGTH

_small = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(["0.5", "1e308", "-1.5", "10", "2", "9"]))
_big = st.sampled_from(["10**8", "2**64", "9**9", "10**10**8", "-10**8", "0x" + "f" * 16, "123456789" * 2])


def _tower(depth: int, base: str) -> str:
    return "**".join([base] * depth)


towers = st.tuples(st.integers(2, 40), st.one_of(_small, _big)).map(lambda t: _tower(*t))
rounds = st.tuples(_small, _big).map(lambda t: f"round({t[0]}, -{t[1]})")
calls = st.tuples(st.sampled_from(["int", "float", "abs", "math.floor", "math.ceil", "math.exp", "round"]),
                  st.one_of(towers, _small, _big)).map(lambda t: f"{t[0]}({t[1]})")
nested = st.integers(1, 80).map(lambda depth: "[" * depth + "1" + "]" * depth)
expressions = st.one_of(towers, rounds, calls, nested, _small, _big)


@st.composite
def shared_lists(draw: st.DrawFn) -> str:
    """`a = [1, 2, 3, 4]`, `b = [a, a, a, a]`, ...: a few lines whose value doubles its size at each."""
    width, depth = draw(st.integers(2, 8)), draw(st.integers(2, 40))
    lines = [f"n0 = [{', '.join(['1'] * width)}]"]
    lines += [f"n{i} = [{', '.join([f'n{i - 1}'] * width)}]" for i in range(1, depth)]
    return "\n".join(lines) + f"\nscheduler = MultiStepLR(optimizer, n{depth - 1}, 0.5)"


@st.composite
def chains(draw: st.DrawFn) -> str:
    """`a = a * a` (or `+`, `**`) again and again from a starting value."""
    start, operator, count = draw(_small | _big), draw(st.sampled_from(["*", "+", "**", "//", "%"])), \
        draw(st.integers(1, 200))
    lines = [f"a = {start}", *[f"a = a {operator} a" for _ in range(count)]]
    return "\n".join(lines) + "\nscheduler = StepLR(optimizer, step_size=a)"


@st.composite
def mixtures(draw: st.DrawFn) -> str:
    """Random assignments of hostile expressions, then a scheduler using some of them."""
    names = [f"v{i}" for i in range(draw(st.integers(1, 12)))]
    lines = [f"{name} = {draw(expressions)}" for name in names]
    augmented = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(["*=", "+=", "**="]),
                                        st.one_of(st.sampled_from(names), _small)), max_size=10))
    lines += [f"{target} {operator} {value}" for target, operator, value in augmented]
    use = draw(st.sampled_from(names))
    lines.append(draw(st.sampled_from([f"scheduler = StepLR(optimizer, {use}, {use})",
                                       f"scheduler = MultiStepLR(optimizer, {use})",
                                       f"scheduler = LambdaLR(optimizer, lambda epoch: {use} ** epoch)"])))
    return "\n".join(lines)


hostile_programs = st.one_of(shared_lists(), chains(), mixtures(),
                             expressions.map("scheduler = StepLR(optimizer, step_size={})".format)
                             ).filter(lambda text: len(text) <= MAX_SPEC_LENGTH)
