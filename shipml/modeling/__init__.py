"""Stage 4, modeling: the models, the one training loop, and the rule they must beat.

    shipml.modeling.rules          the bank's rule, the baseline decision
    shipml.modeling.mlp            the fraud MLP, its data loader, training loop and scores
    shipml.modeling.search         a seeded grid search
    shipml.modeling.distillation   a small student trained on a teacher's scores
"""
