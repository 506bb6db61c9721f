"""Stage 2, features: from transactions to the numbers a model reads.

    shipml.features.handmade        hand-made fraud signals (chapter 1)
    shipml.features.encoding        the one encoder: fitted on training rows, shared by training, the artifact and the server
    shipml.features.point_in_time   per-account rolling features from strictly earlier events, offline and online
    shipml.features.store           the feature store: one payment's account features at request time, fast
"""
