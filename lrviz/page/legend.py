"""Short names for a comparison's legend: the class name and only what differs between the schedules.

"StepLR(step_size=4, gamma=0.9)" beside "StepLR(step_size=8, gamma=0.9)" reads "StepLR step_size=4" and
"StepLR step_size=8"; a class compared with other classes only reads as its name. The full
constructor strings stay in the charts' hover and in the results table.
"""

from __future__ import annotations

from lrviz.schedules.markup import plotly_text, shorten
from lrviz.schedules.schedule import Resolved, literal

MAX_VALUE = 28  # characters of one parameter's value in a short label (a formula can be long)


def _fields(item: Resolved) -> dict[str, str]:
    """Everything that tells two schedules of one class apart: every parameter as used, the classes of
    its parts and their parameters (as `LinearLR.start_factor`, numbered if a class is used twice)."""
    fields = {name: literal(value) for name, value in item.params.items()}
    if item.children:
        names = [child.schedule.name for child in item.children]
        fields["parts"] = "+".join(names)
        for number, (name, child) in enumerate(zip(names, item.children, strict=True), start=1):
            prefix = name if names.count(name) == 1 else f"{name}{number}"
            fields.update({f"{prefix}.{key}": value for key, value in _fields(child).items()})
    return fields


def _differing(group: list[dict[str, str]]) -> list[str]:
    """Fields that every member has, with different values (a part's parameter that only some have is
    told by the parts' classes)."""
    return [name for name in group[0] if all(name in fields for fields in group)
            and len({fields[name] for fields in group}) > 1]


def short_labels(resolved: list[Resolved]) -> list[str]:
    """One short, unique label per schedule (repeats of the same schedule get #2, #3)."""
    by_class: dict[str, list[int]] = {}
    for k, item in enumerate(resolved):
        by_class.setdefault(item.schedule.name, []).append(k)
    fields = [_fields(item) for item in resolved]
    labels = [""] * len(resolved)
    for name, members in by_class.items():
        shown = _differing([fields[k] for k in members])
        for k in members:
            values = [_value(key, fields[k][key]) for key in shown]
            labels[k] = " ".join([name, *values])
    return _numbered(labels)


def _value(key: str, value: str) -> str:
    text = shorten(value, MAX_VALUE)
    return text if key == "parts" else f"{key}={text}"


def _numbered(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    numbered = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        numbered.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return numbered


def legend_html(labels: list[str], colors: list[str], present: bool = False) -> str:
    """One legend for all the charts: a line in each schedule's colour and its short label.

    Plain HTML above the charts rather than a Plotly legend under each chart: it is shown once,
    never takes a chart's height, and a click on it cannot hide a curve by accident.
    """
    size, swatch = (20, 36) if present else (14, 26)
    items = [
        f"<span style='display:inline-flex;align-items:center;gap:0.45em;margin:0 1.4em 0.2em 0'>"
        f"<span style='display:inline-block;width:{swatch}px;border-top:{3 if present else 2.5}px solid {color}'>"
        f"</span>{plotly_text(label)}</span>"
        for label, color in zip(labels, colors, strict=True)
    ]
    return (f"<div class='lrviz-legend' style='font-size:{size}px;line-height:1.5;display:flex;"
            f"flex-wrap:wrap'>{''.join(items)}</div>")
