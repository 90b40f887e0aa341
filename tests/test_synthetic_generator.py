"""The synthetic CRM export: determinism, contract, messiness, arrivals, outcomes.

The `crm` fixture runs `leadscore generate` once on a small history (tests/synthetic_crm.py).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from features.contract import ACTIVITIES, ACTIVITY_TYPES, CHANNEL_COSTS, LEADS, OUTCOMES
from pipeline.cli import main
from tests.conftest import ROOT
from tests.synthetic_crm import (
    FILES,
    N_LEADS,
    Crm,
    generated_crm,
    is_real,
    parse_times,
    run_generate,
    write_params,
)


@pytest.fixture(scope="module")
def crm(tmp_path_factory) -> Crm:
    return generated_crm(tmp_path_factory.mktemp("crm"))


# --- determinism and contract ----------------------------------------------------------------


def test_same_params_give_byte_identical_files(crm, tmp_path):
    assert run_generate(tmp_path / "again") == 0
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (crm.root / name).read_bytes(), name


def test_another_seed_gives_another_history(tmp_path):
    run_generate(tmp_path / "a", n_leads=300)
    params = yaml.safe_load((tmp_path / "a" / "params.yaml").read_text())
    params["seed"] = 43
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(["--params", str(tmp_path / "b/params.yaml"), "generate", "--out-dir",
                 str(tmp_path / "b")]) == 0  # fmt: skip
    name = "data/raw/leads.csv"
    assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_tables_follow_the_contract(crm):
    assert tuple(crm.raw_leads.columns) == LEADS.column_names
    assert tuple(crm.raw_outcomes.columns) == OUTCOMES.column_names
    costs = pd.read_csv(crm.root / "data/raw/channel_costs.csv", dtype={"month": str})
    assert tuple(costs.columns) == CHANNEL_COSTS.column_names
    schema = pq.read_schema(crm.root / "data/raw/activities.parquet")
    assert tuple(schema.names) == ACTIVITIES.column_names
    assert str(schema.field("occurred_at").type) == "timestamp[us]"
    assert set(crm.raw_activities["activity_type"]) == set(ACTIVITY_TYPES)
    assert crm.leads["lead_id"].str.fullmatch(r"L\d{7}").all()
    assert len(crm.leads) == N_LEADS
    assert set(crm.outcomes["status"]) == {"converted", "disqualified"}
    truth = pq.read_schema(crm.root / "data/ground_truth/bayes_limit.parquet")
    assert truth.names == ["lead_id", "as_of", "p_convert"]


def test_meta_describes_the_history(crm):
    meta = crm.meta
    assert (meta["history_start"], meta["history_end"]) == ("2024-01-01", "2025-12-31")
    assert meta["horizon_days"] == 90 and meta["n_leads"] == N_LEADS
    assert meta["rows"]["bayes_limit"] == len(crm.truth)
    assert meta["rows"]["activities"] == len(crm.raw_activities)
    assert "forward filtering" in meta["description"]


def test_channel_costs_give_monthly_spend_for_every_channel(crm):
    costs = pd.read_csv(crm.root / "data/raw/channel_costs.csv", dtype={"month": str})
    assert costs["channel"].nunique() >= 6
    assert sorted(costs["month"].unique()) == list(
        pd.period_range("2024-01", "2025-12", freq="M").strftime("%Y-%m")
    )
    assert (costs["spend"] >= 0).all() and not costs.duplicated(["channel", "month"]).any()
    by_channel = costs.groupby("channel")["leads"].sum()
    assert by_channel.sum() == N_LEADS
    assert (
        by_channel.to_dict()
        == crm.leads["channel"].str.strip().str.lower().value_counts().to_dict()
    )
    cpl = costs.groupby("channel")["spend"].sum() / by_channel
    assert cpl.max() > 3 * cpl.min()  # channels really differ in cost per lead


# --- arrivals --------------------------------------------------------------------------------


def test_arrivals_have_a_weekday_pattern_and_grow(crm):
    created = crm.leads["created_at"]
    per_weekday = created.dt.dayofweek.value_counts()
    assert per_weekday.loc[[0, 1, 2, 3]].min() > 2.5 * per_weekday.loc[[5, 6]].max()
    first_year = (created < "2025-01-01").sum()
    assert len(created) - first_year > 1.25 * first_year
    assert created.min() >= pd.Timestamp("2024-01-01")
    assert created.max() < pd.Timestamp("2026-01-01")


# --- firmographics ---------------------------------------------------------------------------


def test_firmographics_are_messy_and_varied(crm):
    leads = crm.leads
    titles = set(leads["job_title"])
    assert {"VP Marketing", "vp, marketing", "Head of Growth", "student", "CMO"} <= titles
    assert any(t != t.strip() or "  " in t for t in titles if t)  # stray spaces
    assert any(t.isupper() for t in titles if len(t) > 4)
    employees = pd.to_numeric(leads["employees"], errors="coerce")
    assert employees.quantile(0.99) > 20 * employees.median()  # heavy tail
    domains = leads["email_domain"].str.lower()
    params = yaml.safe_load((ROOT / "params.yaml").read_text())["features"]
    assert domains.isin(params["free_mail_domains"]).mean() > 0.05
    assert domains.isin(params["competitor_domains"]).any()
    assert domains.str.endswith((".edu", ".ac.uk")).any()
    industries = set(leads["industry"].str.strip().str.lower()) - {""}
    assert set(params["target_industries"]) < industries
    for column in ("industry", "employees", "job_title", "email_domain", "country", "has_phone"):
        assert 0.0 < (leads[column] == "").mean() < 0.3, column
    assert leads["channel"].nunique() >= 6


# --- corruption ------------------------------------------------------------------------------


def test_duplicate_lead_rows_differ_only_in_formatting(crm):
    raw = crm.raw_leads[is_real(crm.raw_leads["lead_id"])]
    duplicated = raw[raw["lead_id"].duplicated(keep=False)]
    assert duplicated["lead_id"].nunique() == round(0.02 * 1200) * 2 + round(0.02 * 600)

    def normalised(rows: pd.DataFrame) -> pd.DataFrame:
        out = rows.apply(lambda c: c.str.strip().str.lower())
        out["created_at"] = parse_times(rows["created_at"])
        out["employees"] = pd.to_numeric(rows["employees"])
        out["has_phone"] = out["has_phone"].replace({"yes": "true", "no": "false"})
        return out

    for _, rows in duplicated.groupby("lead_id"):
        assert not rows.iloc[0].equals(rows.iloc[1])  # the formatting differs
        clean = normalised(rows)
        assert clean.iloc[0].equals(clean.iloc[1])


def test_invalid_rows_are_extra_rows_with_their_own_ids(crm):
    raw = crm.raw_leads
    junk = raw[~is_real(raw["lead_id"])]
    created = parse_times(junk["created_at"])
    negative = pd.to_numeric(junk["employees"], errors="coerce") < 0
    assert created.isna().sum() > 0 and negative.sum() > 0
    assert (created.isna() | negative).all()  # every junk row is broken
    real = raw[is_real(raw["lead_id"])]
    assert (pd.to_numeric(real["employees"], errors="coerce").dropna() >= 1).all()
    assert parse_times(real["created_at"]).notna().all()

    known = set(raw["lead_id"])
    unknown_activities = crm.raw_activities[~crm.raw_activities["lead_id"].isin(known)]
    assert len(unknown_activities) > 0
    assert not crm.raw_activities["lead_id"].isin(junk["lead_id"]).any()
    unknown_outcomes = crm.raw_outcomes[~crm.raw_outcomes["lead_id"].isin(known)]
    assert len(unknown_outcomes) > 0
    assert len(crm.outcomes) + len(unknown_outcomes) == len(crm.raw_outcomes)


# --- behaviour and outcomes ------------------------------------------------------------------


def test_activities_happen_while_the_lead_is_open(crm):
    acts = crm.activities.merge(crm.leads[["lead_id", "created_at"]], on="lead_id")
    assert (acts["occurred_at"] > acts["created_at"]).all()
    closed = acts.merge(crm.outcomes[["lead_id", "closed_at"]], on="lead_id")
    assert (closed["occurred_at"] < closed["closed_at"].dt.normalize()).all()
    assert acts["occurred_at"].max() < pd.Timestamp("2026-01-01")
    per_lead = len(crm.activities) / N_LEADS
    assert 30 <= per_lead <= 60


def test_web_and_content_activities_carry_a_detail(crm):
    acts = crm.activities
    detail = acts.groupby("activity_type")["detail"].apply(lambda d: d.notna().mean())
    assert detail[["web_visit", "pricing_page_view", "content_download"]].min() == 1.0
    assert detail[["email_open", "sales_call", "meeting"]].max() == 0.0
    pricing = acts.loc[acts["activity_type"] == "pricing_page_view", "detail"]
    assert pricing.str.startswith("/pricing").all()
    assert acts["detail"].str.startswith("/blog/").any()
    assert (acts["detail"] == "whitepaper-roi").any()


def test_outcomes_have_sales_cycles_and_size_dependent_deals(crm):
    out = crm.outcomes.merge(crm.leads[["lead_id", "created_at", "employees"]], on="lead_id")
    converted = out[out["status"] == "converted"]
    assert 0.02 < len(converted) / N_LEADS < 0.12
    cycle = (converted["closed_at"] - converted["created_at"]).dt.days
    assert cycle.min() < 14 and cycle.max() > 180
    assert (out["closed_at"] > out["created_at"]).all()
    assert converted["deal_value"].gt(0).all()
    assert out.loc[out["status"] == "disqualified", "deal_value"].isna().all()
    sized = converted[converted["employees"] != ""]
    correlation = np.corrcoef(
        np.log(sized["deal_value"]), np.log(sized["employees"].astype(float))
    )[0, 1]
    assert correlation > 0.4
    assert 5_000 < converted["deal_value"].mean() < 12_000


def test_negative_signals_are_more_frequent_for_leads_that_do_not_convert(crm):
    converted = set(crm.outcomes.loc[crm.outcomes["status"] == "converted", "lead_id"])
    acts = crm.activities.assign(converted=crm.activities["lead_id"].isin(converted))
    share = acts.groupby("converted")["activity_type"].value_counts(normalize=True)
    for negative in ("unsubscribe", "careers_page_view", "email_bounce"):
        assert share[(False, negative)] > 2 * share[(True, negative)], negative
    students = crm.leads["job_title"].str.strip().str.lower().isin(["student", "undergraduate"])
    assert not crm.leads.loc[students, "lead_id"].isin(converted).mean() > 0.01


# --- command line ----------------------------------------------------------------------------


def test_bad_generate_params_are_one_line_errors(tmp_path, capsys):
    params = write_params(tmp_path / "params.yaml", n_leads=0)
    assert main(["--params", str(params), "generate", "--out-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"generate\.n_leads", err) and err.count("\n") == 1
    assert not (tmp_path / "data/raw/leads.csv").exists()


def test_without_ground_truth_only_the_export_and_meta_are_written(tmp_path):
    truth = tmp_path / "data/ground_truth/bayes_limit.parquet"
    assert run_generate(tmp_path, n_leads=200) == 0 and truth.exists()
    assert run_generate(tmp_path, n_leads=200, ground_truth=False) == 0
    assert not truth.exists()  # a stale Bayes limit would belong to another history
    assert (tmp_path / "data/ground_truth/meta.json").exists()
    assert (tmp_path / "data/raw/activities.parquet").exists()
