"""Stage 4, modeling: the models, the one training loop, and the rule they must beat.

    shipml.modeling.rules          the bank's rule, the baseline decision
    shipml.modeling.mlp            the fraud MLP, its dataset, data loader and scores
    shipml.modeling.training       the one training loop; fit_mlp, chapter 2's recipe on it
    shipml.modeling.scoring        the one sigmoid: logits to fraud probabilities
    shipml.modeling.search         a seeded grid search
    shipml.modeling.distillation   a small student trained on a teacher's scores
"""
