"""wkw.lake.per_table: every table worked, results in the order given, a failure raised after the rest."""

from __future__ import annotations

import threading
import time

import pytest
from wkw.config_sections import ConfigError
from wkw.lake import per_table

PATHS = [f"lake/silver/t{number}" for number in range(9)]


def test_results_follow_the_order_of_the_paths_whatever_finishes_first():
    def work(path):
        time.sleep(0.001 * (9 - int(path[-1])))  # the last path finishes first
        return path.upper()

    assert list(per_table(work, PATHS, workers=4).items()) == [(p, p.upper()) for p in PATHS]


def test_several_tables_are_worked_at_once_and_no_more_than_the_workers():
    running, most, lock = set(), [0], threading.Lock()
    both_started = threading.Barrier(2, timeout=10)

    def work(path):
        with lock:
            running.add(path)
            most[0] = max(most[0], len(running))
        if path in PATHS[:2]:
            both_started.wait()  # the first two can only pass together: they ran at the same time
        with lock:
            running.discard(path)
        return path

    per_table(work, PATHS, workers=2)
    assert most[0] == 2


@pytest.mark.parametrize("workers", [1, 3])
def test_a_failing_table_does_not_stop_the_others_and_its_error_is_raised(workers):
    done = []

    def work(path):
        if path in (PATHS[3], PATHS[6]):
            raise RuntimeError(f"cannot vacuum {path}")
        done.append(path)

    with pytest.raises(RuntimeError, match="t3"):
        per_table(work, PATHS, workers=workers)
    assert sorted(done) == sorted(set(PATHS) - {PATHS[3], PATHS[6]})


def test_one_worker_runs_in_order_in_this_thread():
    seen = []
    per_table(lambda path: seen.append((path, threading.current_thread().name)), PATHS, workers=1)
    assert seen == [(path, threading.main_thread().name) for path in PATHS]


def test_table_workers_comes_from_settings_and_refuses_zero(settings):
    assert settings.maintenance.table_workers == 4
    with pytest.raises(
        ConfigError, match=r"\[maintenance\] table_workers must be a whole number at least 1, not 0"
    ):
        settings.with_conf("maintenance", table_workers=0)
