"""Checks of chapter 3, "Repeatable workflows": a deterministic training function, a typed configuration, a unit test.

    from shipml.course.checks import run
    run("ch03-ex2", train_repeatably)   # the learner's train_repeatably(X, y, seed) -> a trained torch model
    run("ch03-ex3", RunConfig)          # the learner's configuration class: RunConfig(**settings)
    run("ch03-ex4", test_night_online)  # the learner's test: test_night_online(features) raises when features is wrong

ex2's observer disturbs the global random state (Python's, NumPy's, torch's)
and the number of torch threads between calls, and records the hash of the
returned model's weights (`shipml.workflows.determinism.weights_hash`); the
judge wants the same hash for the same seed and another for another seed.
ex3's observer builds the class on a table of good and bad settings and
records the values it holds or the message it raised; the judge wants each bad
one refused with the field's name in the message. ex4's observer runs the
learner's test against `shipml.features.handmade.handmade_features` (it must
pass) and against mutants of it (`shipml.workflows.mutation.mutant_of`), and
records which it failed; the judge wants it to fail every mutant.
"""

from __future__ import annotations

import dis
import functools
import inspect
import random

import numpy as np

from shipml.course.checks import Failure, NotAttempted, WrongType, exercise, expect

# --- exercise 2: a training function that gives the same weights every time -----------------------

ex2 = exercise(
    "ch03-ex2",
    title="A training function that gives the same weights every time",
    hints=[
        "Every random number the training draws comes from a generator: the initial weights and the batch order "
        "from torch's, the row shuffle of `train_small` from NumPy's. Each must start from `seed` inside your function.",
        "Seed them at the top of your function, right before training: `seed_everything(seed)` seeds Python's "
        "random, NumPy's global generator and torch's.",
        "`with deterministic(threads=1):` around the call fixes torch's thread count and its algorithms; "
        "then `seed_everything(seed)` and `return train_small(X, y)`.",
    ],
    timeout_s=20.0,
)


@functools.lru_cache(maxsize=1)
def _ex2_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.normal(size=400) > 1.0).astype(np.float32)
    for array in (X, y):
        array.flags.writeable = False
    return X, y


def _disturb(state: int, threads: int) -> None:
    """Leave the global random state and the thread count as some other code might have."""
    import torch

    random.seed(1000 + state)
    np.random.seed(1000 + state)
    torch.manual_seed(1000 + state)
    torch.rand(state + 1)  # and draw from it, as an earlier cell would have
    torch.set_num_threads(threads)


def _hash_of(model) -> str:
    from shipml.workflows.determinism import weights_hash

    if not hasattr(model, "state_dict"):
        raise WrongType(f"train_repeatably should return the trained torch model, not {type(model).__name__}.")
    return weights_hash(model)


def _observe_runs(train_repeatably, calls):
    """[(seed, hash)] of train_repeatably(X, y, seed) after each (seed, state, threads) disturbance."""
    import torch

    X, y = _ex2_data()
    threads_before = torch.get_num_threads()
    seen = []
    try:
        for seed, state, threads in calls:
            _disturb(state, threads)
            seen.append([seed, _hash_of(train_repeatably(np.array(X), np.array(y), seed))])
    finally:
        torch.set_num_threads(threads_before)
    return seen


def _judge_same(seen):
    hashes = {h for _, h in seen}
    expect(len(hashes) == 1, f"With the same seed your function gave {len(hashes)} different sets of weights over "
           f"{len(seen)} calls, each after other code had used the random generators (and another thread count). "
           "Seed every generator the training uses inside the function.")


ex2.case("the same seed gives the same weights, whatever ran before",
         hint="Seed inside the function, every generator the training draws from (torch and NumPy here).",
         observe=lambda fn: _observe_runs(fn, [(0, 1, 1), (0, 2, 1)]), judge=_judge_same)
ex2.case("the same weights with another thread count",
         hint="Fix the thread count inside the function: `with deterministic(threads=1):`.",
         observe=lambda fn: _observe_runs(fn, [(0, 3, 1), (0, 4, 2)]), judge=_judge_same)


@ex2.case("another seed gives other weights", hint="Use the `seed` argument; a fixed seed ignores the caller.")
def _another_seed(fn):
    return _observe_runs(fn, [(0, 5, 1), (1, 5, 1)])


@_another_seed.judge
def _(seen):
    expect(seen[0][1] != seen[1][1], "Seeds 0 and 1 gave the same weights: your function ignores its seed "
           "(a fixed seed inside it). Seed the generators with the `seed` it is given.")


ex2.case("repeatable over several seeds and states", hidden=True,
         observe=lambda fn: [_observe_runs(fn, [(s, 6 + s, 1), (s, 9 + s, 2)]) for s in (2, 7)],
         judge=lambda seen: [_judge_same(pair) for pair in seen])


# --- exercise 3: the configuration class ------------------------------------------------------------

ex3 = exercise(
    "ch03-ex3",
    title="A typed configuration that refuses bad settings",
    hints=[
        "A pydantic model does most of it: `class RunConfig(BaseModel)` with one annotated field per setting and "
        "its default, e.g. `lr: float = 0.03`.",
        "Ranges with `Field`: `lr: float = Field(0.03, gt=0)`, `epochs: int = Field(12, ge=1)`. Unknown keys and "
        "numbers in quotes: `model_config = ConfigDict(extra=\"forbid\", strict=True)`.",
        "pydantic's ValidationError is a ValueError whose message names the field; that is all the check reads.",
    ],
)

DEFAULTS = {"lr": 0.03, "epochs": 12, "seed": 0, "batch_size": 1024}
GOOD = [
    ({}, dict(DEFAULTS), "no settings: the defaults"),
    ({"lr": 0.01, "epochs": 5, "seed": 3, "batch_size": 256}, {"lr": 0.01, "epochs": 5, "seed": 3, "batch_size": 256},
     "every setting given"),
    ({"lr": 1, "epochs": 1}, {**DEFAULTS, "lr": 1.0, "epochs": 1}, "a whole number for the learning rate"),
]
BAD = [
    ({"lr": -0.1}, "lr", "a negative learning rate"),
    ({"lr": 0}, "lr", "a learning rate of 0"),
    ({"lr": "fast"}, "lr", "a learning rate that is text"),
    ({"epochs": 0}, "epochs", "zero epochs"),
    ({"epochs": 2.5}, "epochs", "a fraction of an epoch"),
    ({"seed": -1}, "seed", "a negative seed"),
    ({"learning_rate": 0.01}, "learning_rate", "an unknown key (a typo of lr)"),
    ({"batch_size": "256"}, "batch_size", "a number in quotes"),
]
BAD_HIDDEN = [
    ({"batch_size": 0}, "batch_size", "a batch of zero rows"),
    ({"epochs": "12"}, "epochs", "epochs in quotes"),
    ({"lr": 0.01, "momentum": 0.9}, "momentum", "a setting the run does not have"),
]


def _is_stub_class(cls) -> bool:
    fields = getattr(cls, "model_fields", None)
    if fields is not None:
        return not fields
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False
    return not parameters or set(parameters) <= {"args", "kwargs"}


def _build(cls, settings):
    """('ok', {field: value}) or ('raised', exception type, message)."""
    try:
        config = cls(**settings)
    except (ValueError, TypeError) as error:
        return ["raised", type(error).__name__, str(error)]
    values = {}
    for name in DEFAULTS:
        value = getattr(config, name, None)
        values[name] = value if isinstance(value, (bool, int, float, str, type(None))) else repr(value)
    return ["ok", values]


def _observe_configs(cls, table):
    if cls is None or cls is Ellipsis:
        raise NotAttempted("Not attempted yet: RunConfig is None.")
    if not inspect.isclass(cls):
        raise WrongType(f"RunConfig should be a class (a pydantic model or a dataclass), not {type(cls).__name__}.")
    if _is_stub_class(cls):
        raise NotAttempted("Not attempted yet: RunConfig has no fields.")
    return [_build(cls, settings) for settings, *_ in table]


def _judge_good(seen):
    for got, (settings, want, what) in zip(seen, GOOD):
        if got[0] != "ok":
            raise Failure(f"{what} ({settings}): your class refused it with {got[1]} ({got[2][:200]!r}).")
        for name, value in want.items():
            have = got[1].get(name)
            if type(have) is not type(value) or have != value:
                raise Failure(f"{what} ({settings}): {name} should be {value!r}, your class holds {have!r}.")


def _judge_bad(table):
    def judge(seen):
        for got, (settings, field, what) in zip(seen, table):
            if got[0] == "ok":
                raise Failure(f"{what} ({settings}) was accepted; it should raise a ValueError naming {field!r}.")
            if field not in got[2]:
                raise Failure(f"{what} ({settings}) raised, but the message does not name the field {field!r}: "
                              f"{got[2][:200]!r}.")
    return judge


ex3.case("good settings are accepted, with the defaults filled in",
         hint=f"The fields and defaults: {DEFAULTS}; a whole number is a fine learning rate.",
         observe=lambda cls: _observe_configs(cls, GOOD), judge=_judge_good)
ex3.case("each bad setting is refused with the field's name",
         hint="Ranges with Field(gt=0) / Field(ge=1) / Field(ge=0), unknown keys with extra='forbid', "
              "numbers in quotes with strict=True.",
         observe=lambda cls: _observe_configs(cls, BAD), judge=_judge_bad(BAD))
ex3.case("more bad settings", hidden=True, observe=lambda cls: _observe_configs(cls, BAD_HIDDEN),
         judge=_judge_bad(BAD_HIDDEN))


# --- exercise 4: a unit test that catches the planted bugs ------------------------------------------

ex4 = exercise(
    "ch03-ex4",
    title="A unit test for the night-online feature",
    hints=[
        "Your test gets a function `features(df)` that works like `handmade_features`, calls it on a small table "
        "you make, and asserts; it must pass on the real function and fail (raise) on each wrong one.",
        "Take a few real payments (`payments` in the setup) and set `hour` and `channel` yourself: "
        "`payments.assign(hour=[0, 5, 6, 23, 0, 5, 6, 23], channel=['online'] * 4 + ['card_present'] * 4)`.",
        "Assert the exact column: `assert features(df)['night_online'].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]` "
        "(online between 0:00 and 5:59 is 1, everything else 0). Hour 5 and hour 6 sit on either side of the edge.",
    ],
)

# The bugs planted in handmade_features: (name, old, new). Each changes the night_online column only.
MUTANTS = [
    ("the night ends an hour early (hour < 5)", "night, online = df.hour <= 5", "night, online = df.hour < 5"),
    ("a flipped comparison (hour >= 5)", "night, online = df.hour <= 5", "night, online = df.hour >= 5"),
    ("night or online instead of night and online", '"night_online": night & online', '"night_online": night | online'),
    ("every channel but online", 'df.channel == "online"', 'df.channel != "online"'),
]
MUTANTS_HIDDEN = [
    ("the night starts at 1:00", "night, online = df.hour <= 5", "night, online = (df.hour >= 1) & (df.hour <= 5)"),
]


def _is_stub_function(fn) -> bool:
    """True for a function whose body is only a docstring and `...` (or `pass`)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False

    def stub():
        ...

    def steps(c):
        return [(i.opname, i.argval) for i in dis.get_instructions(c)]

    return steps(code) == steps(stub.__code__)


def _outcome(test, features) -> list:
    """['passed'] or ['failed', reason] of the learner's test run against `features`."""
    try:
        test(features)
    except AssertionError as error:
        return ["failed", f"AssertionError: {str(error)[:160]}"]
    except Exception as error:  # noqa: BLE001 - the test errored on this function: under pytest that fails too
        return ["failed", f"{type(error).__name__}: {str(error)[:160]}"]
    return ["passed"]


def _observe_test(test, mutants):
    from shipml.features.handmade import handmade_features
    from shipml.workflows.mutation import mutant_of

    if test is None or test is Ellipsis:
        raise NotAttempted("Not attempted yet: test_night_online is None.")
    if not callable(test):
        raise WrongType(f"test_night_online should be a function, not {type(test).__name__}.")
    if _is_stub_function(inspect.unwrap(test)):
        raise NotAttempted("Not attempted yet: your test has no body.")
    seen = {"reference": _outcome(test, handmade_features)}
    seen["mutants"] = [[name, _outcome(test, mutant_of(handmade_features, old, new))] for name, old, new in mutants]
    return seen


def _judge_test(seen):
    if seen["reference"][0] != "passed":
        raise Failure("Your test fails on the correct handmade_features, so it would fail on good code too "
                      f"({seen['reference'][1]!r}).")
    missed = [name for name, outcome in seen["mutants"] if outcome[0] == "passed"]
    if missed:
        raise Failure(f"Your test passes on {len(missed)} of {len(seen['mutants'])} planted bugs: "
                      f"{'; '.join(missed)}. Add a row that tells the right column from the wrong one.")


ex4.case("it passes on the correct feature and fails on each planted bug", allow_none=True,  # a test returns None
         hint="Include hours on both sides of the edge (5 and 6), and both channels.",
         observe=lambda test: _observe_test(test, MUTANTS), judge=_judge_test)
ex4.case("it fails on one more planted bug", hidden=True, allow_none=True,
         observe=lambda test: _observe_test(test, MUTANTS_HIDDEN), judge=_judge_test)
