"""Streamlit widgets generated from the declarations (the only lrviz module importing streamlit).

The page's state (experiment settings and schedule slots) lives in `st.session_state`;
widgets display it and write changes back through callbacks, so the state is complete
before the script runs and one validation (`Param.check`, `resolve`) serves everything.
Widget keys carry a version: loading a preset, a file or a link bumps it, so every
widget starts again from the loaded values.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import streamlit as st

from lrviz.page import scales
from lrviz.page.view import View
from lrviz.page.view import valid as view_valid
from lrviz.schedules import markup
from lrviz.schedules.params import MAX_WHOLE_PARAM, Param, RunContext, SpecError, check_all
from lrviz.schedules.registry import REGISTRY
from lrviz.schedules.schedule import Resolved, Schedule, child_contexts, parse, resolve, schedule
from lrviz.training.config import Config
from lrviz.training.experiment import EXPERIMENT_PARAMS, Experiment
from lrviz.training.traces import lr_trace

Slot = dict[str, Any]  # {"id": int, "name": str, "params": {name: widget value}, "children": [Slot]}
NUMBER_INPUT_SPAN = 5000  # integer ranges wider than this get a number box, not a slider


def state() -> dict[str, Any]:
    return st.session_state.setdefault("lrviz", {"version": 0, "next_id": 0, "experiment": {}, "slots": []})


def _new_slot(schedule: Schedule) -> Slot:
    s = state()
    s["next_id"] += 1
    params = {key: (", ".join(map(str, value)) if isinstance(value, list) else value)
              for key, value in schedule.given.items()}  # fmt: skip
    return {"id": s["next_id"], "name": schedule.name, "params": params,
            "children": [_new_slot(child) for child in schedule.children]}  # fmt: skip


def apply_config(config: Config) -> None:
    """Replace the page's settings (a preset, a file, a link); every widget starts afresh."""
    s = state()
    s["version"] += 1
    s["experiment"] = dict(config.experiment)
    s["slots"] = [_new_slot(parse(text)) for text in config.schedules]


def add_schedule(text: str) -> None:
    state()["slots"].append(_new_slot(parse(text)))


def _find(slot_id: int, slots: list[Slot] | None = None) -> tuple[list[Slot], Slot] | None:
    for slot in state()["slots"] if slots is None else slots:
        if slot["id"] == slot_id:
            return (state()["slots"] if slots is None else slots), slot
        found = _find(slot_id, slot["children"])
        if found:
            return found
    return None


def consume(key: str, action: Callable[[Any], None]) -> None:
    """on_change of a selection that triggers an action: act once, then clear the widget.

    A browser keeps a widget's value and sends it with every later rerun; had the key been
    popped, Streamlit would see that value as a new change and run the action again.
    Setting it to None through its key clears the box in the browser too.
    """
    choice = st.session_state.get(key)
    st.session_state[key] = None
    if choice is not None:
        action(choice)


def _params_of(slot_id: int | None) -> dict[str, Any] | None:
    """The raw values of a slot (None: the experiment's); None if the slot is gone (removed, replaced)."""
    if slot_id is None:
        return state()["experiment"]
    found = _find(slot_id)
    return found[1]["params"] if found else None


def remove_slot(slot_id: int) -> None:
    if found := _find(slot_id):
        siblings, slot = found
        siblings.remove(slot)


def duplicate_slot(slot_id: int) -> None:
    if found := _find(slot_id):
        siblings, slot = found
        siblings.insert(siblings.index(slot) + 1, _new_slot(written_schedule(slot)))


def set_param(slot_id: int, name: str, value: Any) -> None:
    """Set a parameter from outside its widget (in a callback): the widget shows the new value too."""
    if (params := _params_of(slot_id)) is not None:
        params[name] = value
        st.session_state[_key(slot_id, name, True, None)] = value


def apply_max_lr(slot_id: int, value: float) -> None:
    """The range test's suggestion into a schedule's max_lr, remembered to confirm it beside the button."""
    set_param(slot_id, "max_lr", value)
    state()["applied"] = (slot_id, value)


def add_part(slot_id: int) -> None:
    if found := _find(slot_id):
        found[1]["children"].append(_new_slot(parse(REGISTRY[found[1]["name"]].default_part)))


def part_contexts(slot: Slot, ctx: RunContext) -> list[RunContext]:
    """The run each part of a composite slot sees, so that its sliders show the defaults it gets."""
    spec, count = REGISTRY[slot["name"]], len(slot["children"])
    own_ctx = ctx.with_parts(count)
    try:
        params = check_all(spec.params, checked(spec.params, slot["params"], own_ctx)[0], own_ctx)
        contexts = child_contexts(spec, params, own_ctx, count)
    except SpecError:
        contexts = []
    return contexts if len(contexts) == count else [own_ctx] * count


def _on_param(slot_id: int | None, name: str, key: str) -> None:
    # a widget of a slot that is gone (removed, or replaced by a preset) changes nothing
    if (params := _params_of(slot_id)) is not None and key in st.session_state:
        params[name] = st.session_state[key]
        # the widget keeps its key once set, so the press that set it does not take the focus away
        state().setdefault("set_keys", {}).setdefault((state()["version"], slot_id, name), key.removesuffix(".exact"))


def _on_name(slot_id: int, key: str) -> None:
    if (found := _find(slot_id)) and st.session_state.get(key) in REGISTRY:
        found[1].update(name=st.session_state[key], params={}, children=[])


# ---- the view: widgets whose values a link holds -------------------------------------------------

VIEW_WIDGETS = {"per": "x", "loss_view": "loss_view", "log_lr": "log_lr", "log_loss": "log_loss",
                "section": "section", "present": "present"}  # View field -> widget key (not `explained`: see set_view)


def apply_view(view: View) -> None:
    """Show the page as `view` (a link's): every view widget starts from it (its colours are the
    editors' to keep: `editors.load_colors`)."""
    state()["view"] = replace(view, colors=())
    for field, key in VIEW_WIDGETS.items():
        st.session_state[key] = getattr(view, field)


def set_view(**values: Any) -> None:
    """Change the view from a value a widget returned (the explained schedule, picked by position)."""
    state()["view"] = replace(state().get("view", View()), **values)


def keep_view() -> None:
    """Before the widgets: a view widget not drawn in the last run (its section closed, no result)
    lost its value in Streamlit, a cleared one is None, and a selectbox whose options were renamed
    (a schedule's text changed) gets back the old option's text; all get the view's value back."""
    view = state().setdefault("view", View())
    for field, key in VIEW_WIDGETS.items():
        if not view_valid(field, st.session_state.get(key)):
            st.session_state[key] = getattr(view, field)


def current_view() -> View:
    """After the widgets: the view as the page shows it now (remembered for `keep_view`)."""
    values = {field: st.session_state[key] for field, key in VIEW_WIDGETS.items()
              if view_valid(field, st.session_state.get(key))}  # fmt: skip
    state()["view"] = replace(state().get("view", View()), **values)
    return state()["view"]


# ---- from widget values to checked values -----------------------------------------------------

def _value(param: Param, raw: Any) -> Any:
    """A widget's value as the declaration's type: milestone lists are typed as text (`Param.from_text`)."""
    if param.kind == "ints" and isinstance(raw, str):
        return param.from_text(raw)
    return raw


def checked(params: tuple[Param, ...], raw: dict[str, Any], ctx: RunContext) -> tuple[dict, dict[str, str]]:
    """Given values converted and checked one by one; errors by parameter name."""
    values, errors = {}, {}
    for param in params:
        if param.name in raw:
            try:
                values[param.name] = param.check(_value(param, raw[param.name]), ctx)
            except SpecError as error:
                errors[param.name] = str(error)
    return values, errors


def written_schedule(slot: Slot) -> Schedule:
    """The slot's Schedule as written (its current values, even invalid ones: used to duplicate it)."""
    params = {}
    for param in REGISTRY[slot["name"]].params:
        if param.name in slot["params"]:
            try:
                params[param.name] = _value(param, slot["params"][param.name])
            except SpecError:
                continue
    return schedule(slot["name"], *(written_schedule(child) for child in slot["children"]), **params)


def experiment_of() -> tuple[Experiment | None, dict[str, str]]:
    values, errors = checked(EXPERIMENT_PARAMS, state()["experiment"], RunContext(horizon=1))
    if errors:
        return None, errors
    try:
        return Experiment.create(**values), {}
    except SpecError as error:
        return None, {error.param or "epochs": str(error)}


def schedule_of(slot: Slot, experiment: Experiment) -> tuple[Resolved | None, dict[str, str]]:
    """The slot checked for this run; errors keyed by parameter name ("" for the schedule itself).

    The schedule is also stepped (cached, cheap): a formula can fail at some epoch only.
    """
    ctx = experiment.context()
    spec = REGISTRY[slot["name"]]
    if spec.composite and not slot["children"]:
        slot["children"] = [_new_slot(parse(text)) for text in spec.default_children(ctx)]
    own_ctx = ctx.with_parts(len(slot["children"])) if spec.composite else ctx
    _, errors = checked(spec.params, slot["params"], own_ctx)
    if errors:
        return None, errors
    try:
        resolved = resolve(written_schedule(slot), ctx)
        if not resolved.needs_metric:
            lr_trace(resolved, experiment)
        return resolved, {}
    except SpecError as error:
        # an error while stepping names no parameter: it comes from the schedule's formula, if it has one
        formulas = [param.name for param in spec.params if param.kind == "formula" and param.name in slot["params"]]
        param = error.param or (formulas[0] if formulas else None)
        own = error.schedule == slot["name"] and param in slot["params"]
        return None, {(param if own else ""): str(error)}


# ---- widgets ---------------------------------------------------------------------------------------

SYNCED = "lrviz_synced"  # widgets whose value a callback set for this run (see _initial)


def _sync(key: str, value: Any) -> None:
    st.session_state[key] = value
    st.session_state.setdefault(SYNCED, set()).add(key)


def _initial(key: str, value: Any) -> Any:
    """The value to create a widget with; None when a callback has set it (Streamlit logs a warning
    with a stack trace for a widget given both)."""
    synced = st.session_state.get(SYNCED, set())
    if key in synced:
        synced.discard(key)
        if key in st.session_state:
            return None
    return value


def _on_slider(slot_id: int | None, name: str, key: str, box_key: str) -> None:
    _on_param(slot_id, name, key)
    _sync(box_key, st.session_state[key])  # the number box shows the slider's value


def _on_box(slot_id: int | None, name: str, box_key: str, key: str, ends: tuple[float, float]) -> None:
    """A typed value wins, even beyond the slider: the slider then stands at its nearest end."""
    _on_param(slot_id, name, box_key)
    value = st.session_state[box_key]
    if value is not None:
        _sync(key, min(max(value, ends[0]), ends[1]))


def _slider_with_box(param: Param, value: float, ctx: RunContext, key: str, kwargs: dict) -> None:
    """A slider over the values people use, and a number box beside it for an exact value."""
    slot_id = kwargs["args"][0]
    box_key = f"{key}.exact"
    low, high = scales.slider_bounds(param, ctx)
    options = scales.stops(param, ctx) if param.kind == "float" else None
    if param.kind == "int":
        low, high, step = int(low), int(high), 1
    else:
        low, high = float(low), float(high)
    if param.kind == "float" and options is None:
        step = scales.linear_step(low, high)
        low, high = (low + step if param.low_open else low), (high - step if param.high_open else high)
    if options:
        low, high = options[0], options[-1]
        shown = {f"{stop:g}": stop for stop in options} | ({f"{value:g}": value} if low <= value <= high else {})
        options = sorted(shown.values())  # the exact value is a stop too, if it is inside (one per label)
    slider_kwargs = {**kwargs, "on_change": _on_slider, "args": (slot_id, param.name, key, box_key)}
    box_kwargs = {"key": box_key, "on_change": _on_box, "args": (slot_id, param.name, box_key, key, (low, high))}
    box = {"value": _initial(box_key, value), "step": 1 if param.kind == "int" else _box_step(value),
           "format": None if param.kind == "int" else "%g"}
    if param.kind == "int":  # beyond 2**53 the browser's box cannot hold a whole number exactly
        box |= {"min_value": -MAX_WHOLE_PARAM, "max_value": MAX_WHOLE_PARAM}
    if not options and high <= low:  # a one-step run leaves a length nothing to slide over
        st.number_input(param.name, **box, **{**box_kwargs, "help": kwargs["help"]})
        return
    left, right = st.columns([3, 1.35], vertical_alignment="bottom", gap="small")
    with left:
        if options:
            st.select_slider(param.name, options=options, value=_initial(key, scales.nearest(options, value)),
                             format_func=lambda v: f"{v:g}", **slider_kwargs)
        else:
            st.slider(param.name, min_value=low, max_value=high, value=_initial(key, min(max(value, low), high)),
                      step=step, format=box["format"] or "%d", **slider_kwargs)
    with right:
        st.number_input(param.name, label_visibility="collapsed", **box, **box_kwargs)


def _box_step(value: float) -> float:
    """The number box's +/- step: about a tenth of the value's order of magnitude."""
    return 10.0 ** (math.floor(math.log10(abs(value))) - 1) if value else 0.01


def param_input(param: Param, value: Any, ctx: RunContext, key: str, slot_id: int | None,
                error: str | None) -> None:  # fmt: skip
    """One widget for one declared parameter, and its error right beneath it."""
    label, kwargs = param.name, {"key": key, "help": f"{param.help} ({param.describe_range(ctx)})",
                                 "on_change": _on_param, "args": (slot_id, param.name, key)}
    low, high = param.slider_range(ctx)
    if param.kind == "bool":
        st.toggle(label, value=bool(value), **kwargs)
    elif param.kind == "choice":
        st.selectbox(label, param.choices, index=param.choices.index(value) if value in param.choices else 0,
                     **kwargs)
    elif param.kind in ("ints", "formula", "str"):
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        st.text_input(label, value=text, max_chars=200, **kwargs)
    elif param.optional and param.kind == "int" and not (isinstance(value, int) and abs(value) > MAX_WHOLE_PARAM):
        st.number_input(label, min_value=int(low), max_value=max(int(high), value or 0), value=value, step=1,
                        placeholder=param.placeholder or None, **kwargs)
    elif (not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value)
          or (param.kind == "int" and abs(value) > MAX_WHOLE_PARAM)):  # a number box raises beyond 2**53
        shown = markup.shown(value) if isinstance(value, int) else str(value)  # str() of 4,300 digits raises
        st.text_input(label, value=shown, **kwargs)  # a loaded value of the wrong type: show it as typed
    elif param.kind == "int" and high - low > NUMBER_INPUT_SPAN:
        st.number_input(label, value=int(value), step=1, min_value=-MAX_WHOLE_PARAM, max_value=MAX_WHOLE_PARAM,
                        **kwargs)  # a seed or a sample count: typed
    else:
        _slider_with_box(param, int(value) if param.kind == "int" else float(value), ctx, key, kwargs)
    if error:
        st.error(markup.markdown_text(error, 400), icon=":material/error:")


def _key(slot_id: int | None, name: str, given: bool, default: Any) -> str:
    # untouched parameters follow the run length: their key changes with their default (see _on_param)
    if given and (kept := state().get("set_keys", {}).get((state()["version"], slot_id, name))):
        return kept
    source = "set" if given else f"auto={default!r}"
    return f"v{state()['version']}.{slot_id if slot_id is not None else 'exp'}.{name}.{source}"


def params_editor(params: tuple[Param, ...], raw: dict[str, Any], ctx: RunContext, slot_id: int | None,
                  errors: dict[str, str]) -> None:  # fmt: skip
    for param in params:
        given = param.name in raw
        default = param.default_for(ctx)
        value = raw[param.name] if given else default
        param_input(param, value, ctx, _key(slot_id, param.name, given, default), slot_id, errors.get(param.name))


def schedule_picker(label: str, options: list, texts: list[str], chosen: Any, key: str) -> Any:
    """A selectbox over schedules, whose texts change (a slider, an applied max_lr).

    A browser sends back the text of the option it shows; once that text changed it matches no
    option. So the box is a new widget whenever the texts change, starting on `chosen`.
    """
    digest = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:10]
    return st.selectbox(label, options, index=options.index(chosen) if chosen in options else 0,
                        key=f"{key}.{digest}", format_func=lambda option: texts[options.index(option)])


def name_picker(slot: Slot, choices: list[str], label: str = "scheduler") -> None:
    key = f"v{state()['version']}.{slot['id']}.name"
    st.selectbox(label, choices, index=choices.index(slot["name"]) if slot["name"] in choices else 0, key=key,
                 on_change=_on_name, args=(slot["id"], key),
                 format_func=lambda name: f"{name} — {REGISTRY[name].summary}")
