"""The generated model card is complete; the check catches missing sections, placeholders and typed numbers."""

import pytest

from shipml.governance import model_card
from shipml.governance.model_card import example_facts


def test_is_the_generated_card_complete():
    facts = example_facts(0)
    card = model_card.render(facts)
    assert model_card.check(card, facts) == []
    assert list(model_card.sections(card)) == list(model_card.REQUIRED_SECTIONS)


def test_does_the_check_find_a_missing_section_a_placeholder_and_a_wrong_number():
    facts = example_facts(1)
    card = model_card.render(facts)
    without = model_card.render(facts, sections=[s for s in model_card.REQUIRED_SECTIONS if s != "Limitations"])
    assert any("'## Limitations' is missing" in p for p in model_card.check(without, facts))
    placeholder = card.replace(facts["intended_use"], "TODO")
    assert any("placeholder" in p for p in model_card.check(placeholder, facts))
    value = model_card.fmt(facts["metrics"]["PR-AUC"])
    typed = card.replace(f"| PR-AUC | {value} |", "| PR-AUC | 0.999 |")
    assert any("PR-AUC" in p for p in model_card.check(typed, facts))
    assert model_card.check(42, facts) == ["The card should be Markdown text, not int."]


def test_does_fmt_write_numbers_as_the_check_expects():
    assert model_card.fmt(0.12345) == "0.123"
    assert model_card.fmt(float("nan")) == "no cases"
    assert model_card.fmt(12345) == "12,345"


def test_does_an_unknown_section_give_a_sentence():
    with pytest.raises(ValueError, match="no section 'Summary'"):
        model_card.render(example_facts(0), sections=["Summary"])
