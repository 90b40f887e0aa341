"""The control arm: stable per lead id, the configured share, a documented hash."""

from __future__ import annotations

import math

import numpy as np
import pytest

from features.errors import LeadscoreError
from scoring.control_group import CONTROL, MODEL, assign_arms, uniform_of

IDS = [f"L{i:06d}" for i in range(20_000)]


def test_hash_is_sha256_of_salt_and_id_read_as_a_fraction():
    # sha256("leadscore-control-v1:L0001") starts 9ad4d71d7c92f820 (hex) = 0.60481... of 2^64
    assert uniform_of(["L0001"])[0] == pytest.approx(int("9ad4d71d7c92f820", 16) / 2**64)
    assert uniform_of(["L0001", "abc"]).tolist() == pytest.approx([0.6048101851, 0.2799567702])


def test_same_ids_same_arms_in_any_order_and_subset():
    arms = dict(zip(IDS, assign_arms(IDS, 0.1), strict=True))
    reordered = IDS[::-1][:5000]
    again = assign_arms(reordered, 0.1)
    assert all(arms[i] == a for i, a in zip(reordered, again, strict=True))


def test_share_close_to_configured():
    for share in (0.05, 0.1, 0.3):
        observed = float(np.mean(assign_arms(IDS, share) == CONTROL))
        sigma = math.sqrt(share * (1 - share) / len(IDS))
        assert abs(observed - share) < 4 * sigma


def test_growing_the_share_only_moves_leads_into_control():
    small, large = assign_arms(IDS, 0.05), assign_arms(IDS, 0.2)
    assert not np.any((small == CONTROL) & (large == MODEL))


def test_salt_draws_a_different_group():
    a, b = assign_arms(IDS, 0.1), assign_arms(IDS, 0.1, salt="experiment-2")
    assert 0.7 < np.mean(a == b) < 0.9  # independent draws agree on about 0.9^2 + 0.1^2 = 82 %


def test_zero_share_and_invalid_share():
    assert set(assign_arms(IDS[:100], 0.0)) == {MODEL}
    with pytest.raises(LeadscoreError, match="control_share"):
        assign_arms(IDS[:10], 1.5)
