"""The control arm: stable per lead id, the configured share, a documented hash."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
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


def hashlib_uniform(lead_ids, salt="leadscore-control-v1"):
    """The documented hash, one hashlib call per id: the reference for the vectorised one."""
    digests = b"".join(hashlib.sha256(f"{salt}:{i}".encode()).digest()[:8] for i in lead_ids)
    return np.frombuffer(digests, dtype=">u8").astype(np.float64) / 2**64


def test_vectorised_hash_equals_hashlib_bit_for_bit():
    rng = np.random.default_rng(0)
    ids = [*IDS[:3000], "", "ü-é-漢字", "a b", "x" * 300]
    ids += [f"{rng.integers(10**12)}-{rng.integers(10**6)}" for _ in range(2000)]
    expected = hashlib_uniform(ids, salt="s-1")
    assert np.array_equal(uniform_of(ids, salt="s-1"), expected)  # a list: str(id) each
    as_str = pd.Series(ids, dtype="str")  # the scoring path: Arrow text, no copy
    assert np.array_equal(uniform_of(as_str, salt="s-1"), expected)
    assert np.array_equal(uniform_of([17, 42]), hashlib_uniform(["17", "42"]))


def test_a_missing_lead_id_is_a_clear_error():
    with pytest.raises(LeadscoreError, match="lead_id"):
        uniform_of(pd.Series(["L1", None], dtype="str"))
