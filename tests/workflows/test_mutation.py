"""Mutation testing: a mutant changes one place, is planted for every caller, and is always taken out again."""

import pytest

from shipml.workflows.mutation import Mutant, mutant_of, mutation_score


def is_adult(age):
    return age >= 18


def caller(age):
    return is_adult(age)  # calls by name: a planted mutant must reach it


def test_does_a_mutant_change_one_place_only():
    younger = mutant_of(is_adult, ">= 18", "> 18")
    assert is_adult(18) and not younger(18)
    with pytest.raises(ValueError, match="occurs 0 times"):
        mutant_of(is_adult, "<=", ">")
    with pytest.raises(TypeError, match="Python function"):
        mutant_of(len, "a", "b")


def test_is_a_planted_mutant_seen_by_callers_and_removed_after_an_error():
    mutant = Mutant("off by one", is_adult, ">= 18", "> 18")
    with pytest.raises(RuntimeError):
        with mutant.planted():
            assert not caller(18)
            raise RuntimeError("a failing test")
    assert caller(18)


def test_does_the_score_count_the_mutants_the_tests_catch():
    def test_edge():
        assert is_adult(18) and not is_adult(17)

    def test_far():
        assert is_adult(40)

    mutants = [Mutant("off by one", is_adult, ">= 18", "> 18"), Mutant("always", is_adult, "age >= 18", "True"),
               Mutant("older", is_adult, ">= 18", ">= 17")]
    report = mutation_score({"edge": test_edge, "far": test_far}, mutants)
    assert (report.caught, report.planted) == (3, 3)
    assert report.table["caught by"].tolist() == ["edge", "edge", "edge"]
    weak = mutation_score({"far": test_far}, mutants)
    assert weak.caught == 0 and weak.score == 0.0


def test_must_the_tests_pass_without_mutants_first():
    def test_wrong():
        assert not is_adult(40)

    with pytest.raises(ValueError, match="fails on the code without any mutant"):
        mutation_score({"wrong": test_wrong}, [])
