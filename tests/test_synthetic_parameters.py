"""The true world agrees with the project's configuration and the data contract."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import yaml

from features.contract import ACTIVITY_TYPES
from synthetic import parameters as world
from tests.conftest import ROOT

FEATURES = yaml.safe_load((ROOT / "params.yaml").read_text())["features"]


def test_true_target_industries_are_the_configured_grouping():
    assert set(world.TARGET_INDUSTRIES) == set(FEATURES["target_industries"])
    assert not set(world.OTHER_INDUSTRIES) & set(world.TARGET_INDUSTRIES)


def test_email_domain_pools_match_the_configured_domain_lists():
    assert set(world.COMPETITOR_DOMAINS) == set(FEATURES["competitor_domains"])
    assert set(world.FREE_MAIL_DOMAINS) <= set(FEATURES["free_mail_domains"])
    suffixes = tuple(s for s in FEATURES["education_suffixes"] if s.startswith("."))
    prefixes = tuple(s for s in FEATURES["education_suffixes"] if not s.startswith("."))
    for domain in world.EDUCATION_DOMAINS:
        assert domain.endswith(suffixes) or domain.startswith(prefixes), domain
    assert all("." not in d for d in world.INVALID_DOMAINS)  # recognisably not a domain


def test_every_activity_type_is_emitted_and_its_emission_is_observable():
    assert {e.activity_type for e in world.EMISSIONS} == set(ACTIVITY_TYPES)
    # Two emissions of one type must be told apart by their details (or the filter would
    # condition on something the data does not show).
    by_type = defaultdict(list)
    for emission in world.EMISSIONS:
        by_type[emission.activity_type].append(emission)
    for activity_type, emissions in by_type.items():
        if len(emissions) > 1:
            detail_sets = [set(e.details) for e in emissions]
            assert all(detail_sets), activity_type
            assert sum(len(d) for d in detail_sets) == len(set().union(*detail_sets))
    rates = np.array([e.rates for e in world.EMISSIONS])
    assert (rates > 0).all()  # every phase can emit everything: no observation is impossible


def test_negative_signals_are_most_frequent_in_the_cold_phase():
    for emission in world.EMISSIONS:
        if emission.activity_type in ("unsubscribe", "careers_page_view", "email_bounce"):
            assert emission.rates[world.COLD] == max(emission.rates)


def test_shares_are_distributions_and_channels_differ():
    for shares in (
        world.SENIORITY_SHARES,
        world.EMAIL_TYPE_SHARES_WORKING,
        world.EMAIL_TYPE_SHARES_STUDENT,
        world.COUNTRY_SHARES,
    ):
        assert abs(sum(shares) - 1) < 1e-9
    for channel in world.CHANNELS:
        assert len(channel.initial) == world.N_TRANSIENT and abs(sum(channel.initial) - 1) < 1e-9
    assert len(world.CHANNELS) >= 6
    assert len({c.fit for c in world.CHANNELS}) >= 5
    assert set(world.SENIORITY_FIT) == set(world.SENIORITIES) | {"unknown"}
    assert set(world.EMPLOYEE_BAND_FIT) == set(world.EMPLOYEE_BANDS) | {"missing"}
    assert set(world.EMAIL_FIT) == set(world.EMAIL_TYPES)
