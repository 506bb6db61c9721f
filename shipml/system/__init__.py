"""The fraud system end to end: the course's building blocks wired into one pipeline, scored and reported.

    python -m shipml.system.run --config system.yaml --folder runs/   # the one command (chapter 14)

- `shipml.system.config`: the one configuration of a run (the training run's fields and the system's);
- `shipml.system.run`: the stages, from a week of raw batches to the audit log, on chapter 3's cached pipeline;
- `shipml.system.readiness`: the ML Test Score computed by running the checks that evidence each test;
- `shipml.system.memo`: the one-page decision memo for a leader, from the run's numbers.
"""
