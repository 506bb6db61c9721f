"""The process that runs one submission: `python -m shipml.course.instructor.worker < job.json`.

grade.py starts one per notebook, inside the sandbox (shipml/course/instructor/sandbox.py)
unless the instructor passed --no-sandbox. Nothing this process or the kernel
reports is trusted: the learner's code runs beside it with the same rights.
The job (JSON on stdin) names the notebook, its working folder (a temporary
copy), the limits, the exercises to observe, the file for the observations
and the pipe for the notebook's status. This process:

1. lowers its own limits, which the kernel it starts inherits: address space
   (RLIMIT_AS, the memory limit) and CPU seconds;
2. runs the notebook cell by cell with nbclient, the whole notebook within the
   time limit; a failing cell is noted and the next runs (as in nbgrader); a
   timeout, a MemoryError or a dead kernel stops the run;
3. when the kernel is still alive, runs one cell in it that OBSERVES only: it
   re-imports `shipml` from disk, calls `shipml.course.checks.observe(id, <the
   learner's object>, include_hidden=True)` for each exercise, runs the
   solution's hidden-check cells (their pass or fail only), and writes the
   plain data as tagged JSON (shipml/course/instructor/observed.py) to the
   observations file. The grader, outside the sandbox, reads that file with
   strict types and a size limit and JUDGES it with its own checks;
4. writes `{"kernel_pid": ...}` then `{"result": ...}` as JSON lines to the pipe.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time

_GRADER = r'''
def _shipml_observe(spec, path):
    import json, sys
    namespace = globals()
    for name in [m for m in list(sys.modules) if m == "shipml" or m.startswith("shipml.")]:
        del sys.modules[name]
    from shipml.course import checks
    from shipml.course.instructor import observed
    results = {}
    for ex in spec:
        entry = {"observations": [], "missing": False, "error": None, "hidden_cells": []}
        results[ex["id"]] = entry
        if ex["target"] not in namespace:
            entry["missing"] = True
            continue
        try:
            seen = checks.observe(ex["id"], namespace[ex["target"]], include_hidden=True)
        except BaseException as error:
            entry["error"] = f"{type(error).__name__}: {error}"[:500]
            seen = []
        for item in seen:
            data = item.to_dict()
            try:
                data["value"] = observed.encode(data["value"])
            except Exception as error:
                data.update(status="error", value=None, message="What the check saw of your answer is not plain "
                            f"data ({error}).")
            entry["observations"].append(data)
        namespace.setdefault("checks", checks)  # what the solution's hidden-check cells call
        for k, source in enumerate(ex["hidden_cells"], 1):
            status = "passed"
            try:
                exec(compile(source, f"<hidden check {k}>", "exec"), namespace)
            except AssertionError:
                status = "failed"
            except NameError:
                status = "missing name"
            except BaseException:
                status = "error"
            entry["hidden_cells"].append(status)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, allow_nan=False)


_shipml_observe(__import__("json").loads(SPEC), OUT)
del _shipml_observe
'''


def _limit(memory_mb: float | None, cpu_s: float | None) -> None:
    if memory_mb:
        size = int(memory_mb * 1024 * 1024)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            size = min(size, hard)
        resource.setrlimit(resource.RLIMIT_AS, (size, hard))
    if cpu_s:
        seconds = int(math.ceil(cpu_s))
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            seconds = min(seconds, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, hard))


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Keeps at most `max_output_bytes` of a notebook's outputs in memory; drops the rest."""

        output_bytes = 0
        max_output_bytes = 10 * 1024 * 1024
        truncated = False

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(str(content.get("text", ""))) + len(str(content.get("data", "")))
            self.output_bytes += size
            if self.output_bytes > self.max_output_bytes:
                self.truncated = True
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def _read(path: str):
    if path.endswith(".md"):
        import jupytext

        return jupytext.read(path, fmt="md:myst")
    import nbformat

    return nbformat.read(path, as_version=4)


def run(job: dict, send) -> dict:
    """Execute the job's notebook and grade it; return the result (see grade.py for its use)."""
    from shipml.course.kernel import ipc_kernels

    with ipc_kernels() as config:
        return _run(job, send, config)


def _run(job: dict, send, config) -> dict:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbformat.v4 import new_code_cell

    nb = _read(job["notebook"])
    client = _client_class()(
        nb,
        timeout=int(job["timeout_s"]),
        allow_errors=True,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": job["workdir"]}},
        config=config,
    )
    client.max_output_bytes = int(job["max_output_bytes"])
    errors: list[dict] = []
    client.on_cell_error = lambda cell, cell_index, execute_reply: errors.append(
        {"cell": cell_index + 1, "ename": execute_reply["content"].get("ename", ""),
         "evalue": str(execute_reply["content"].get("evalue", ""))[:300]}
    )
    outcome = {"status": "ran", "cell": None, "errors": errors, "truncated": False, "observed": False,
               "seconds": 0.0}
    start = time.monotonic()
    deadline = start + float(job["timeout_s"])
    with client.setup_kernel(cwd=job["workdir"]):
        provisioner = getattr(client.km, "provisioner", None)
        pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
        send({"kernel_pid": pid})
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CellTimeoutError("the notebook's time is up")
                client.timeout = max(1, int(math.ceil(remaining)))
                outcome["cell"] = index + 1
                client.execute_cell(cell, index)
                cell.outputs = [o for o in cell.outputs if o.get("output_type") == "error"]  # keep memory low
                if any(e["ename"] == "MemoryError" for e in errors):
                    outcome["status"] = "memory limit"
                    break
        except CellTimeoutError:
            outcome["status"] = "timeout"
        except DeadKernelError:
            outcome["status"] = "kernel died"
        outcome["seconds"] = round(time.monotonic() - start, 2)
        outcome["truncated"] = client.truncated
        if outcome["status"] == "ran":
            source = _GRADER.replace("OUT", repr(job["observations"]))
            source = source.replace("SPEC", repr(json.dumps(job["exercises"])))
            grader = new_code_cell(source)
            nb.cells.append(grader)  # nbclient writes each executed cell back into the notebook
            client.output_bytes, client.max_output_bytes = 0, 64 * 1024 * 1024
            client.timeout = int(job["grader_timeout_s"])
            learner_errors = len(errors)
            try:
                client.execute_cell(grader, len(nb.cells) - 1)
                if len(errors) > learner_errors:
                    outcome["message"] = "{ename}: {evalue}".format(**errors[learner_errors])
                    del errors[learner_errors:]
                outcome["observed"] = True
            except CellTimeoutError:
                outcome["status"] = "timeout"
            except DeadKernelError:
                outcome["status"] = "kernel died"
    return outcome


def main() -> int:
    # jsonschema imports rfc3987_syntax for one URI format check that notebooks do not use; it
    # builds a grammar at import time (about 3 s). This process is started once per notebook.
    sys.modules.setdefault("rfc3987_syntax", None)
    job = json.loads(sys.stdin.read())
    pipe = os.fdopen(int(job["result_fd"]), "w", encoding="utf-8")

    def send(message: dict) -> None:
        pipe.write(json.dumps(message) + "\n")
        pipe.flush()

    _limit(job.get("memory_mb"), job.get("cpu_s"))
    try:
        result = run(job, send)
    except Exception as error:  # reported as the submission's status, never lost
        result = {"status": "grader error", "message": f"{type(error).__name__}: {error}"[:500]}
    send({"result": result})
    pipe.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
