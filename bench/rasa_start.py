"""Rasa start benchmark: where a model load and a `rasa run` start spend their time, fast load against Rasa's own.

Issue 12 wants a killed Rasa answering again within 20 s; publishing a model (every worker loads it) pays the same
load. Three measurements, each with the project's fast load (``nlu_components.tf_loading`` installed) and with
Rasa's own (uninstalled), alternated so both meet the same machine:

1. **fresh process**: a new Python process imports TensorFlow and Rasa, then ``Agent.load``s the model, timed per
   graph component (DIET, TED, spaCy, the project's own components, Rasa's other components, the rest of the load)
   and, within DIET and TED, the prediction trace the load ends with; then ``--workers`` such processes at once,
   as the workers of ``make run`` on PostgreSQL and Redis (one per core) load the model when Rasa restarts;
2. **in this process**: the same load again with everything imported and a model loaded once before, as a
   worker loads a published model;
3. **rasa run**: ``python -m nlu_components.rasa_cli run`` as the stack starts it (``local_stack.services``: one
   process on the embedded stores), from the process start to the first ``/status`` that names the model.

A benchmark, not a test: it exits 0 when it ran and prints the target (20 s to answer again) beside the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from evaluation.rasa_process import RASA_COMMAND, quiet_rasa_in_this_process, rasa_env
from local_stack.services import ROOT, embedded_endpoints, free_port, new_secret, rasa_service

LOADS = ("rasa", "fast")  # Rasa's own model load, the project's fast one
LABEL = {"rasa": "Rasa's own load", "fast": "fast load"}
TARGET_SECONDS = 20.0
# `rasa run` as the stack starts it, without the fast load (its other patches stay)
RASA_OWN_LOAD_COMMAND = (sys.executable, "-c", "from nlu_components.rasa_cli import main; main(fast_load=False)")
WALL_ROW = "process start to model loaded"
TRACED = {"DIET": "  DIET's prediction trace", "TED": "  TED's prediction trace"}  # within DIET's, TED's load
PHASES = ("imports: tensorflow", "imports: rasa", "DIET", TRACED["DIET"], "TED", TRACED["TED"], "spaCy",
          "project components", "other components", "rest of Agent.load", "Agent.load", WALL_ROW)
RUN_ROW = "rasa run to first /status"


def component_group(component_class: type) -> str:
    """The row a graph component's load time is counted in."""
    name = component_class.__name__
    if name == "DIETClassifier":
        return "DIET"
    if name == "TEDPolicy":
        return "TED"
    if name == "SpacyNLP":
        return "spaCy"
    if component_class.__module__.startswith("nlu_components."):
        return "project components"
    return "other components"


@contextlib.contextmanager
def timed_components() -> Iterator[dict[str, float]]:
    """Seconds per component group while a model loads, and within DIET and TED their prediction trace."""
    from rasa.engine.graph import GraphNode
    from rasa.utils.tensorflow.models import RasaModel

    seconds: dict[str, float] = defaultdict(float)
    load_component, run_inference = GraphNode._load_component, RasaModel.run_inference
    loading: list[str] = []

    def timed_load(node: GraphNode, **kwargs: object) -> None:
        group = component_group(node._component_class)
        loading.append(group)
        start = time.perf_counter()
        try:
            load_component(node, **kwargs)
        finally:
            seconds[group] += time.perf_counter() - start
            loading.pop()

    def timed_inference(model: RasaModel, *args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return run_inference(model, *args, **kwargs)
        finally:
            if loading and loading[-1] in TRACED:
                seconds[TRACED[loading[-1]]] += time.perf_counter() - start

    GraphNode._load_component, RasaModel.run_inference = timed_load, timed_inference
    try:
        yield seconds
    finally:
        GraphNode._load_component, RasaModel.run_inference = load_component, run_inference


def agent_load(model: Path, load: str) -> dict[str, float]:
    """``Agent.load`` of ``model`` with the given load installed: seconds per phase."""
    from rasa.core.agent import Agent

    from nlu_components import tf_loading

    if load == "fast":
        tf_loading.install()
    else:
        tf_loading.uninstall()
    with timed_components() as seconds:
        start = time.perf_counter()
        agent = Agent.load(str(model))
        total = time.perf_counter() - start
    if agent.processor is None:
        raise RuntimeError(f"{model} loaded without a model")
    groups = ("DIET", "TED", "spaCy", "project components", "other components")
    return {**seconds, "rest of Agent.load": total - sum(seconds[g] for g in groups), "Agent.load": total}


def child(model: Path, load: str) -> None:
    """In a fresh process: the imports a start pays, then the model load; one JSON line on stdout."""
    quiet_rasa_in_this_process()
    start = time.perf_counter()
    import tensorflow  # noqa: F401

    imported_tf = time.perf_counter()
    import rasa.core.agent  # noqa: F401
    import rasa.core.run  # noqa: F401  (the server `rasa run` starts)

    from nlu_components import tf_loading  # noqa: F401

    figures = {"imports: tensorflow": imported_tf - start, "imports: rasa": time.perf_counter() - imported_tf}
    figures.update(agent_load(model, load))
    print(json.dumps(figures))


def fresh_processes(model: Path, load: str, count: int = 1) -> dict[str, float]:
    """:func:`child` in ``count`` new Python processes at once, as a restarted Rasa's workers begin.

    The figures are the slowest process's, with the wall-clock time from starting the processes until the last
    one has loaded the model (Python's own start included).
    """
    start = time.perf_counter()
    children = [subprocess.Popen([sys.executable, __file__, "--child", load, "--model", str(model)], cwd=ROOT,
                                 env=rasa_env(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(count)]
    outputs = [child.communicate() for child in children]
    wall = time.perf_counter() - start
    for child, (_, stderr) in zip(children, outputs, strict=True):
        if child.returncode != 0:
            raise RuntimeError(f"the {load} child failed:\n{stderr[-3000:]}")
    figures = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
    return {**max(figures, key=lambda f: f["Agent.load"]), WALL_ROW: wall}


def rasa_run_start(model: Path, load: str, work: Path) -> float:
    """Seconds from starting ``rasa run`` (the stack's command) to its first ``/status`` naming the model."""
    endpoints = work / f"endpoints-{load}.yml"
    endpoints.write_text(embedded_endpoints(work / f"tracker-{load}.db", action_url="http://127.0.0.1:9/webhook"))
    service = rasa_service(free_port(), model, 9, new_secret(), new_secret(), endpoints=str(endpoints))
    if load == "rasa":
        service.command = [*RASA_OWN_LOAD_COMMAND, *service.command[len(RASA_COMMAND):]]
    start = time.perf_counter()
    service.start(work / "logs")
    try:
        while not service.healthy(timeout=1):
            if service.process.poll() is not None or time.perf_counter() - start > service.startup_seconds:
                raise RuntimeError(f"rasa run ({load}) did not start:\n{service.log_tail()}")
            time.sleep(0.1)
        return time.perf_counter() - start
    finally:
        service.stop()


def table(title: str, rows: list[str], figures: dict[str, list[dict[str, float]]]) -> None:
    """Median seconds per row for each load, and what the fast load saves."""
    print(f"\n{title} (median of {len(figures['fast'])}, seconds)")
    print(f"  {'phase':<30}{LABEL['rasa']:>16}{LABEL['fast']:>12}{'saved':>8}")
    for row in rows:
        own, fast = (statistics.median(run.get(row, 0.0) for run in figures[load]) for load in LOADS)
        print(f"  {row:<30}{own:>16.1f}{fast:>12.1f}{own - fast:>8.1f}")


def alternate(repeats: int, what: str, measure: Callable[[str], dict[str, float]],
              shown: str) -> dict[str, list[dict[str, float]]]:
    """``measure(load)`` ``repeats`` times for each load, alternating, printing each ``shown`` figure."""
    figures: dict[str, list[dict[str, float]]] = {load: [] for load in LOADS}
    for _ in range(repeats):
        for load in LOADS:
            figures[load].append(measure(load))
            print(f"  {what}, {LABEL[load]}: {shown} {figures[load][-1][shown]:.1f} s", flush=True)
    return figures


def main() -> int:
    """Measure each load the given number of times, alternating, and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="the model to load (default: the newest in models/)")
    parser.add_argument("--repeats", type=int, default=2, help="measurements of each load and each kind (default 2)")
    parser.add_argument("--skip-run", action="store_true", help="leave out the `rasa run` starts")
    parser.add_argument("--workers", type=int, default=2,
                        help="also load in this many fresh processes at once, as `make run`'s workers do on the "
                             "shared stores (one per core; default 2; 1: leave out)")
    parser.add_argument("--child", choices=LOADS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.model is None:
        from rasa.model import get_local_model

        args.model = Path(get_local_model(str(ROOT / "models")))
    model = args.model.resolve()
    if args.child:
        child(model, args.child)
        return 0
    quiet_rasa_in_this_process()
    print(f"model {model.name}, {args.repeats} repeats, loads alternated", flush=True)
    fresh = alternate(args.repeats, "fresh process", lambda load: fresh_processes(model, load), WALL_ROW)
    together = {}
    if args.workers > 1:
        together = alternate(args.repeats, f"{args.workers} fresh processes at once",
                             lambda load: fresh_processes(model, load, args.workers), WALL_ROW)
    agent_load(model, "fast")  # once, so the loads below find everything imported and a model loaded before
    warm = alternate(args.repeats, "in this process", lambda load: agent_load(model, load), "Agent.load")
    started = {}
    if not args.skip_run:
        with tempfile.TemporaryDirectory(prefix="rasa-start-") as folder:
            started = alternate(args.repeats, "rasa run", lambda load: {
                RUN_ROW: rasa_run_start(model, load, Path(folder))}, RUN_ROW)
    table("Fresh process: imports and Agent.load", list(PHASES), fresh)
    if together:
        table(f"{args.workers} fresh processes at once (a restart with {args.workers} workers; the slowest)",
              list(PHASES), together)
    table("In this process (a worker loading a published model): Agent.load", list(PHASES[2:-1]), warm)
    if started:
        table(f"rasa run: start to first answer (target {TARGET_SECONDS:.0f} s)", [RUN_ROW], started)
        fast = statistics.median(run[RUN_ROW] for run in started["fast"])
        print(f"  target {TARGET_SECONDS:.0f} s: {'met' if fast <= TARGET_SECONDS else 'not met'} "
              f"({fast:.1f} s with the fast load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
