"""Results cached per schedule, so that changing one schedule retrains only that one.

Keys are plain values (the schedule's canonical text and the frozen Experiment). On a
miss, all missing schedules of a comparison are trained together in one batched run.
The cache keeps at most `max_bytes` of results: the least recently used go first, never a
result of the request being served, and a request is never trained twice (what it trained
is returned from hand, whether or not it fits the budget). Per-step weights are kept at
MAX_STEP_POINTS evenly spaced steps (for the landscape and replay); a per-step table trains
its runs again with every step (`Result.frame("step")`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from lrviz.training.engine import MAX_STEP_POINTS, simulate
from lrviz.training.experiment import Experiment
from lrviz.training.results import Result
from lrviz.training.traces import labels_for, resolve_all

Key = tuple[str, Experiment]


class TrainingCache:
    def __init__(self, max_bytes: int = 300_000_000) -> None:
        self.max_bytes = max_bytes
        self.trained: list[str] = []  # every schedule trained so far, in order (tests read it)
        self._entries: OrderedDict[Key, Result] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # one cache serves every session of the app

    @property
    def nbytes(self) -> int:
        return self._bytes

    def run(self, schedules: Sequence[str], experiment: Experiment,
            progress: Callable[[float], None] | None = None) -> Result:  # fmt: skip
        resolved = resolve_all(schedules, experiment)  # raises SpecError before any work
        keys = [(str(item.schedule), experiment) for item in resolved]
        with self._lock:
            found = {key: self._entries[key] for key in keys if key in self._entries}
            for key in found:
                self._entries.move_to_end(key)
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            fresh = simulate([text for text, _ in missing], experiment, record_steps=True, progress=progress,
                             max_step_points=MAX_STEP_POINTS)  # fmt: skip
            found.update((key, fresh.select(k)) for k, key in enumerate(missing))
            with self._lock:
                self.trained.extend(text for text, _ in missing)
                self._store({key: found[key] for key in missing}, set(keys))
        return Result.stack([found[key] for key in keys], labels_for(resolved))

    def _store(self, fresh: dict[Key, Result], serving: set[Key]) -> None:
        """Add `fresh`, then evict least recently used results until within budget: others' first, then
        this request's own (already in hand), so that the cache never holds more than max_bytes."""
        for key, result in fresh.items():
            if key not in self._entries:
                self._entries[key] = result
                self._bytes += result.nbytes
        for own in (False, True):
            for key in [key for key in self._entries if (key in serving) == own]:
                if self._bytes <= self.max_bytes:
                    return
                self._bytes -= self._entries.pop(key).nbytes
