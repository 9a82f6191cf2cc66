"""The day loop of scale mode (wkw.synth.scale): each day's mail planned and rendered by wkw.synth.scale_mail
into its night folder, `mail/<folder>/graph/part-NNNNN.jsonl`, with a progress bar on stderr.

Days up to the first night F land in F's folder (the history a first run ingests), each later day in its
own. A day's mail is drawn tie by tie in proportion to the yearly rates, with fewer mails at weekends, from
a random stream of its own (seed, MAIL_STREAM, day), so memory holds one day's plan, never the messages.
Returns per night folder its files, lines, messages, outcomes per exported copy and expected interactions.

    folders = write_mail(out, world, days, end_date, first_night, {"quiet": False, "lines_per_file": n})
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from wkw.synth.scale_mail import PartWriter, World, clock_times, plan_day, render

WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.2)
YEAR_DAYS = 365
MAIL_STREAM = 3  # after wkw.synth.scale's TIES_STREAM and CRM_STREAM


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days  {task.fields[messages]:,} messages  {task.fields[rate]:,.0f}/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
    )


def write_mail(out: Path, world: World, days: int, end_date: date, first_night: date, options: dict) -> list:
    """Every day's mail into its night folder; per folder: files, lines, messages, outcomes, interactions."""
    clock, yearly = clock_times(), float(world.tie_cdf[-1]) if len(world.tie_cdf) else 0.0
    weights = np.asarray(WEEKDAY_WEIGHTS) / np.mean(WEEKDAY_WEIGHTS)
    folders: list[dict] = []
    writer, number, started = None, 0, time.perf_counter()
    with _progress(options["quiet"]) as progress:
        task = progress.add_task("mail", total=days, messages=0, rate=0.0)
        for back in range(days - 1, -1, -1):
            day = end_date - timedelta(days=back)
            folder = max(day, first_night).isoformat()
            if not folders or folders[-1]["date"] != folder:
                writer = PartWriter(out / "mail" / folder / "graph", options["lines_per_file"])
                folders.append(
                    {"date": folder, "writer": writer, "messages": 0, "outcomes": Counter(), "touches": 0}
                )
            rng = np.random.default_rng([world.seed, MAIL_STREAM, day.toordinal()])
            plan = plan_day(world, rng, yearly / YEAR_DAYS * weights[day.weekday()])
            for lines in render(world, plan, day.isoformat(), number, clock):
                writer.write(lines)
            messages = len(plan.sender) + len(plan.broadcasts)
            number += messages
            stats = folders[-1]
            stats["messages"] += messages
            stats["outcomes"].update(plan.outcomes())
            stats["touches"] += int(plan.touches.sum())
            rate = number / max(time.perf_counter() - started, 1e-9)
            progress.update(task, advance=1, description=f"mail {day}", messages=number, rate=rate)
    return [_folder_truth(out, stats) for stats in folders]


def _folder_truth(out: Path, stats: dict) -> dict:
    writer = stats["writer"]
    writer.close()
    return {
        "date": stats["date"],
        "files": [path.relative_to(out).as_posix() for path in writer.paths],
        "lines": writer.lines,
        "messages": stats["messages"],
        "outcomes": dict(sorted(stats["outcomes"].items())),
        "expected_interactions": stats["touches"],
    }
