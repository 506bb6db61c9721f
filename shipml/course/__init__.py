"""The course machinery: what turns the building blocks into a course. Building blocks never import it.

    from shipml.course.widgets import Quiz, Check, Explorer    # in a notebook

    shipml.course.notebooks    the ToC, chapter files and their front matter, exercise ids
    shipml.course.authoring    exercises generated from solutions (`shipml exercises`), the syllabus
    shipml.course.execution    run a MyST notebook top to bottom; the whole course once, into the book's cache
    shipml.course.validation   both directions of exercise validation, from the check logs of that run
    shipml.course.quiz         a quiz's spec and grading, and its static HTML for the book
    shipml.course.widgets      the Quiz, Check and Explorer widgets
    shipml.course.checks       the checks registry and each chapter's checks (observe, then judge)
    shipml.course.sphinxext    the book's Sphinx extension
    shipml.course.instructor   student packs, the autograder, editions of the book
    shipml.course.cli          the `shipml` command
"""
