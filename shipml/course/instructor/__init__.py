"""The instructor's tools: assign chapters, grade submissions, build a course edition.

    shipml assign --chapters 01 --out week3 --title "Week 3" --due 2027-01-15
    shipml grade week3/autograder submissions/ --out grades.csv --jobs 2
    shipml book --edition student --chapters 01 --out _build/student

One module per command (`assign`, `grade`, `edition`), each a function with a
thin command-line wrapper; `course` reads chapters and exercises for all three;
`worker` is the process that runs one submission, inside the bubblewrap sandbox of
`sandbox`; `observed` carries what the checks saw out of it as plain data, to be
judged outside. See book/instructor-guide.md.
"""
