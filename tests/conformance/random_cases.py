"""Cases whose outputs are random draws: dlcc's generator is not numpy's, so these are
compared by what every draw must satisfy, never by value (docs/ops.md notes them).

- Bernoulli: every output is 0 or 1, probability 0 gives 0 and 1 gives 1, and the number of
  ones is within 4 standard deviations (+1) of its expectation, sum(p).
- Dropout in training mode: every output is 0 or x / (1 - ratio), the mask (when asked for)
  is true exactly where x was kept, and the number dropped is within 4 standard deviations
  (+1) of n * ratio. With ratio 0 or training_mode false nothing is random: compared by value.
"""
import re

import numpy as np


def within_binomial(count, expected, variance):
    return abs(count - expected) <= 4 * np.sqrt(variance) + 1


def bernoulli(inputs, actual):
    p, y = inputs[0].astype(np.float64), actual[0].astype(np.float64)
    if not np.all((y == 0) | (y == 1)):
        return "Bernoulli gave values other than 0 and 1"
    if np.any(y[p == 0] != 0) or np.any(y[p == 1] != 1):
        return "Bernoulli disagrees with a probability of 0 or 1"
    if not within_binomial(y.sum(), p.sum(), (p * (1 - p)).sum()):
        return f"Bernoulli gave {int(y.sum())} ones where {p.sum():.1f} are expected"
    return None


def training_dropout(inputs, actual):
    x = inputs[0].astype(np.float64)
    ratio = float(inputs[1]) if len(inputs) > 1 else 0.5
    training = bool(inputs[2]) if len(inputs) > 2 else False
    if not training or ratio == 0:
        return "by value"
    y = actual[0].astype(np.float64)
    kept = np.isclose(y, x / (1 - ratio), rtol=1e-5, atol=1e-7)
    if not np.all(kept | (y == 0)):
        return "Dropout gave values other than 0 and x / (1 - ratio)"
    if len(actual) > 1 and np.any(actual[1].astype(bool) != (kept & ((y != 0) | (x == 0)))):
        return "Dropout's mask disagrees with its output"
    dropped = np.count_nonzero(y == 0) - np.count_nonzero((x == 0) & kept)
    if not within_binomial(dropped, x.size * ratio, x.size * ratio * (1 - ratio)):
        return f"Dropout dropped {dropped} of {x.size} at ratio {ratio}"
    return None


CHECKS = [(re.compile(r"test_bernoulli"), bernoulli),
          (re.compile(r"test_training_dropout"), training_dropout)]


def check(name, inputs, actual):
    """None: the case is not random (compare by value); "by value": this data set is not
    random; else the check's verdict: "" when it holds, or what does not."""
    for pattern, checker in CHECKS:
        if pattern.match(name):
            return checker(inputs, actual) or ""
    return None
