"""Results cached per schedule, so that changing one schedule retrains only that one.

Keys are plain values (the schedule's canonical text and the frozen Experiment). On a
miss, all missing schedules of a comparison are trained together in one batched run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from lrviz.engine import simulate
from lrviz.experiment import Experiment
from lrviz.results import Result
from lrviz.traces import labels_for, resolve_all


class TrainingCache:
    def __init__(self, max_bytes: int = 300_000_000) -> None:
        self.max_bytes = max_bytes
        self.trained: list[str] = []  # every schedule trained so far, in order (tests read it)
        self._entries: OrderedDict[tuple[str, Experiment], Result] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # one cache serves every session of the app

    def run(self, schedules: Sequence[str], experiment: Experiment,
            progress: Callable[[float], None] | None = None) -> Result:  # fmt: skip
        resolved = resolve_all(schedules, experiment)  # raises SpecError before any work
        keys = [(str(item.schedule), experiment) for item in resolved]
        with self._lock:
            missing = list(dict.fromkeys(key for key in keys if key not in self._entries))
        if missing:
            fresh = simulate([text for text, _ in missing], experiment, record_steps=True, progress=progress)
            with self._lock:
                self.trained.extend(text for text, _ in missing)
                for k, key in enumerate(missing):
                    self._store(key, fresh.select(k))
        with self._lock:
            parts = [self._entries[key] for key in keys] if all(k in self._entries for k in keys) else None
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key)
        if parts is None:  # evicted meanwhile by another session's work: train the comparison directly
            return simulate(list(schedules), experiment, record_steps=True, progress=progress)
        return Result.stack(parts, labels_for(resolved))

    def _store(self, key: tuple[str, Experiment], result: Result) -> None:
        self._entries[key] = result
        self._bytes += result.nbytes
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, old = self._entries.popitem(last=False)
            self._bytes -= old.nbytes
