"""Figures described in words: what the book's alt texts say."""

from matplotlib.figure import Figure

from shipml.course.figures import describe


def test_does_a_description_name_the_titles_axes_and_legend():
    fig = Figure()
    fig.suptitle("The month")
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], label="model")
    left.plot([1, 0], label="rule")
    left.set(title="Cost", xlabel="threshold", ylabel="EUR")
    left.legend()
    right.set_xlabel("day")
    assert describe(fig) == "Figure: The month; Cost (x: threshold; y: EUR; lines: model, rule); (x: day)"


def test_is_a_figure_without_words_described_by_its_size():
    fig = Figure(figsize=(4, 3))
    fig.subplots()
    assert describe(fig) == "Figure: a plot of 1 axes, 4 × 3 inches, without labels"
