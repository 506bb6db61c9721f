"""The one scoring path: a model's logits become fraud probabilities here, and only here.

    from shipml.modeling.scoring import probabilities
    scores = probabilities(logits)          # NumPy array or torch tensor of logits -> float64 NumPy probabilities

Every scorer of the course (training-time evaluation, the artifact, the
server, each runtime in chapter 8) ends in this function, so a change to how a
score is made (a calibration step, say) happens in one place, and the runtimes
cannot drift apart.
"""

from __future__ import annotations

import numpy as np

__all__ = ["probabilities"]


def probabilities(logits) -> np.ndarray:
    """The logistic sigmoid of `logits` as float64, computed stably for large positive and negative logits."""
    if hasattr(logits, "detach"):  # a torch tensor, on any device
        logits = logits.detach().cpu().numpy()
    x = np.asarray(logits, dtype=np.float64)
    # exp of a large positive number overflows; split by sign so that exp only sees non-positive values
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1.0 + e)
    return out
