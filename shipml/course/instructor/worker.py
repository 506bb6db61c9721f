"""The process that runs one submission: `python -m shipml.course.instructor.worker < job.json`.

grade.py starts one per notebook, in a new session, and reads its answer from
a pipe whose write end only this process holds (the kernel does not inherit
it, so the learner's code cannot write a fake result there). The job (JSON on
stdin) names the notebook, its working folder (a temporary copy), the limits,
the exercises to check and the pipe. This process:

1. lowers its own limits, which the kernel it starts inherits: address space
   (RLIMIT_AS, the memory limit) and CPU seconds (a backstop for a kernel left
   running after a kill);
2. runs the notebook cell by cell with nbclient, the whole notebook within the
   time limit; a failing cell is noted and the next runs (as in nbgrader); a
   timeout, a MemoryError or a dead kernel stops the run;
3. when the kernel is still alive, runs one grader cell in it: it re-imports
   `shipml` from disk (so a notebook that patched `shipml.course.checks` does not
   grade itself), calls `shipml.course.checks.run(id, <the learner's object>,
   include_hidden=True)` for each exercise, runs the solution's hidden-check
   cells, and prints the results as JSON between two copies of a random nonce;
4. writes `{"kernel_pid": ...}` then `{"result": ...}` as JSON lines to the pipe.
"""

from __future__ import annotations

import json
import math
import os
import resource
import secrets
import sys
import time

_GRADER = r'''
def _shipml_grade(spec, nonce):
    import json, sys
    namespace = globals()
    for name in [m for m in list(sys.modules) if m == "shipml" or m.startswith("shipml.")]:
        del sys.modules[name]
    from shipml.course import checks
    results = {}
    for ex in spec:
        entry = {"cases": [], "missing": False, "error": None}
        results[ex["id"]] = entry
        if ex["target"] not in namespace:
            entry["missing"] = True
            continue
        try:
            result = checks.run(ex["id"], namespace[ex["target"]], include_hidden=True)
            entry["cases"] = [case.to_dict() for case in result.cases]
        except BaseException as error:
            entry["error"] = f"{type(error).__name__}: {error}"
        namespace.setdefault("checks", checks)  # what the solution's hidden-check cells call
        for k, source in enumerate(ex["hidden_cells"], 1):
            case = {"name": f"hidden check cell {k}", "status": "passed", "message": "", "hint": None, "hidden": True}
            try:
                exec(compile(source, f"<hidden check {k}>", "exec"), namespace)
            except AssertionError:
                case.update(status="failed", message="A hidden check of this exercise failed.")
            except NameError as error:
                case.update(status="error", message=f"A hidden check needs a name your notebook does not define: {error}.")
            except BaseException as error:
                case.update(status="error", message=f"A hidden check stopped with {type(error).__name__}.")
            entry["cases"].append(case)
    print(nonce + json.dumps(results, default=str) + nonce)


_shipml_grade(__import__("json").loads(SPEC), NONCE)
del _shipml_grade
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
    )
    client.max_output_bytes = int(job["max_output_bytes"])
    errors: list[dict] = []
    client.on_cell_error = lambda cell, cell_index, execute_reply: errors.append(
        {"cell": cell_index + 1, "ename": execute_reply["content"].get("ename", ""),
         "evalue": str(execute_reply["content"].get("evalue", ""))[:300]}
    )
    outcome = {"status": "ran", "cell": None, "errors": errors, "truncated": False, "checks": None,
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
            nonce = secrets.token_hex(16)
            source = _GRADER.replace("NONCE", repr(nonce)).replace("SPEC", repr(json.dumps(job["exercises"])))
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
                text = "".join(o.get("text", "") for o in grader.outputs if o.get("output_type") == "stream")
                parts = text.split(nonce)
                outcome["checks"] = json.loads(parts[1]) if len(parts) >= 3 else None
            except CellTimeoutError:
                outcome["status"] = "timeout"
            except DeadKernelError:
                outcome["status"] = "kernel died"
            except ValueError:
                outcome["checks"] = None
            if outcome["checks"] is None and outcome["status"] == "ran":
                outcome["status"] = "grader error"
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
