"""Stage 3, evaluation: measuring a fraud model as the business sees it.

    shipml.evaluation.metrics   PR-AUC, recall at a false-positive rate, the one threshold rule
    shipml.evaluation.cost      the cost of errors in euros, and the threshold that minimises it
    shipml.evaluation.leakage   the same model under honest and leaky features and splits
    shipml.evaluation.bootstrap money with uncertainty: an interval from resampling whole days
"""
