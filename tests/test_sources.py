"""Source configuration: loading, validation errors, value cleaning, roles and lookup joins."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from features.errors import LeadscoreError
from features.flat_export import flat_feature_frame
from features.sources import (
    CROSS_VALIDATION,
    OUT_OF_TIME,
    data_fingerprint,
    feature_name,
    join_lookups,
    load_source,
    parse_source,
)
from pipeline.cli import main
from tests.conftest import ROOT
from tests.export_files import write_flat


def _config(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "source.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def _edited(config_path: Path, edit) -> Path:
    body = yaml.safe_load(config_path.read_text())
    edit(body)
    config_path.write_text(yaml.safe_dump(body, sort_keys=False))
    return config_path


def test_shipped_configs_parse_without_the_data():
    xeducation = load_source(ROOT / "configs/xeducation.yaml", root=ROOT, check_files=False)
    assert xeducation.kind == "flat" and xeducation.protocol.kind == CROSS_VALIDATION
    assert xeducation.protocol.folds == 5
    assert xeducation.registered_model == "lead-scoring-xeducation"
    fixed = load_source(
        ROOT / "configs/xeducation.yaml",
        root=ROOT,
        variant="rep_columns_excluded",
        check_files=False,
    )
    assert "Tags" in fixed.leakage.exclude and not fixed.leakage.detect
    assert fixed.run_name == "xeducation.rep_columns_excluded"
    olist = load_source(ROOT / "configs/olist.yaml", root=ROOT, check_files=False)
    assert olist.kind == "event_log" and olist.protocol.kind == OUT_OF_TIME
    assert olist.horizon_days == 180
    assert olist.protocol.test_from == pd.Timestamp("2018-03-01")
    assert olist.tables["leads"].date_formats["first_contact_date"] == "%d-%m-%Y"


def test_shipped_configs_match_the_public_exports(shared_data):
    for name in ("xeducation", "olist"):
        config = load_source(ROOT / f"configs/{name}.yaml", root=ROOT)  # checks every column
        for table in config.tables.values():
            assert table.path.resolve().is_relative_to(shared_data.resolve())


def test_flat_export_cleans_placeholders_and_types_columns_by_role(tmp_path):
    config_path, csv = write_flat(tmp_path, n=300)
    config = load_source(config_path)
    examples = flat_feature_frame(config)
    frame = examples.frame
    raw = pd.read_csv(csv, keep_default_na=False)
    assert list(frame.columns[:3]) == ["lead_id", "as_of", "label"]
    assert frame["as_of"].isna().all()  # no dates in this export
    assert frame["label"].tolist() == (raw["Converted"] == "Yes").astype(int).tolist()
    # "Select" means the form field was left empty
    assert frame["occupation"].isna().sum() == (raw["Occupation"] == "Select").sum()
    assert set(frame["occupation"].dropna()) == {"student", "working"}  # case-folded
    assert frame["total_visits"].dtype == "float64"
    assert frame["lead_source"].dtype == "str"
    assert examples.feature_columns["total_visits"] == "Total Visits"
    assert examples.report["ignored_columns"] == []


def test_value_maps_and_text_role(tmp_path):
    csv = tmp_path / "leads.csv"
    pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "won": ["Y", "N", "N", "Y"],
            "stage": ["Hot lead", "cold", "n.a.", "HOT LEAD"],
            "notes": ["called twice, keen", "", "no answer", "demo booked"],
            "unused": [1, 2, 3, 4],
        }
    ).to_csv(csv, index=False)
    config = parse_source(
        {
            "name": "mapped",
            "kind": "flat",
            "tables": {
                "leads": {
                    "path": str(csv),
                    "columns": {"lead_id": "id", "converted": "won"},
                    "values": {"stage": {"n.a.": None, "HOT LEAD": "Hot lead"}},
                    "extra": {"stage": "categorical", "notes": "text"},
                }
            },
            "label": {"positive": ["Y"]},
        },
        file=tmp_path / "mapped.yaml",
        root=tmp_path,
    )
    examples = flat_feature_frame(config)
    assert examples.frame["stage"].tolist()[:2] == ["hot lead", "cold"]
    assert pd.isna(examples.frame["stage"][2]) and examples.frame["stage"][3] == "hot lead"
    assert examples.frame["notes_words"].tolist()[0] == 3.0
    assert pd.isna(examples.frame["notes_words"][1])
    assert examples.report["ignored_columns"] == ["unused"]


def test_lookup_joins_accounts_and_reports_unmatched_keys(tmp_path):
    leads = pd.DataFrame(
        {"id": ["1", "2", "3", "4", "5"], "account": ["Acme", "acme ", "Globex", "Initech", None]}
    )
    accounts = pd.DataFrame(
        {"name": ["ACME", "Globex", "Umbrella"], "sector": ["retail", "energy", "pharma"]}
    )
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    lookups = parse_source(
        {
            "name": "joined",
            "kind": "flat",
            "tables": {
                "leads": {
                    "path": str(tmp_path / "l.csv"),
                    "columns": {"lead_id": "id", "converted": "won"},
                    "extra": {"account": "exclude"},
                }
            },
            "lookups": [
                {
                    "name": "accounts",
                    "path": str(tmp_path / "accounts.csv"),
                    "key": "name",
                    "lead_column": "account",
                    "extra": {"sector": "categorical"},
                }
            ],
        },
        file=tmp_path / "j.yaml",
        root=tmp_path,
    ).lookups
    joined, report = join_lookups(leads, lookups)
    assert joined["sector"].tolist()[:3] == ["retail", "retail", "energy"]  # trimmed, any case
    assert joined["sector"][3:].isna().all()
    assert report["accounts"] == {
        "leads": 5,
        "leads_with_key": 4,
        "matched": 3,
        "unmatched": 1,
        "unmatched_distinct_keys": 1,
        "lookup_rows": 3,
        "lookup_rows_unused": 1,
    }


def test_lookup_with_repeated_keys_is_a_user_error(tmp_path):
    pd.DataFrame({"name": ["Acme", "ACME"], "sector": ["a", "b"]}).to_csv(
        tmp_path / "acc.csv", index=False
    )
    config = parse_source(
        {
            "name": "dup",
            "kind": "flat",
            "tables": {
                "leads": {
                    "path": "l.csv",
                    "columns": {"lead_id": "id", "converted": "won"},
                    "extra": {"account": "exclude"},
                }
            },
            "lookups": [
                {
                    "path": str(tmp_path / "acc.csv"),
                    "key": "name",
                    "lead_column": "account",
                    "extra": {"sector": "categorical"},
                }
            ],
        },
        file=tmp_path / "d.yaml",
        root=tmp_path,
    )
    with pytest.raises(LeadscoreError, match="repeated values in key column 'name'"):
        join_lookups(pd.DataFrame({"id": ["1"], "account": ["acme"]}), config.lookups)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda b: b.update(kind="spreadsheet"),
            "kind 'spreadsheet' is not one of flat, event_log",
        ),
        (lambda b: b.update(colour="red"), "unknown key 'colour'"),
        (lambda b: b["tables"]["leads"].update(extras={}), "did you mean 'extra'"),
        (lambda b: b["tables"]["leads"]["columns"].pop("lead_id"), "'lead_id' is missing"),
        (
            lambda b: b["tables"]["leads"]["columns"].update(lead_id="Lead ID"),
            "did you mean 'Lead Id'",
        ),
        (
            lambda b: b["tables"]["leads"]["extra"].update({"Total Visits": "number"}),
            "role 'number'",
        ),
        (
            lambda b: b["tables"]["leads"]["extra"].update({"Shoe Size": "numeric"}),
            "'Shoe Size' is not in",
        ),
        (lambda b: b["tables"]["leads"].update(path="nowhere.csv"), "nowhere.csv: not found"),
        (lambda b: b["protocol"].update(kind="out_of_time"), "out_of_time needs a created date"),
        (lambda b: b["protocol"].update(folds=1), "at least 2 folds"),
        (lambda b: b.update(leakage={"keep": ["Tags"]}), "leakage.keep: 'Tags' is not an extra"),
        (lambda b: b.update(leakage={"max_single_auc": 2}), "use a value in"),
        (lambda b: b.update(name="My Export"), "must be lower-case"),
        (
            lambda b: b["tables"]["leads"].update(date_formats={"Lead Id": "dd-mm-yyyy"}),
            "no % codes",
        ),
    ],
)
def test_config_mistakes_are_one_line_user_errors(tmp_path, edit, message):
    config_path, _ = write_flat(tmp_path, n=50)
    _edited(config_path, edit)
    with pytest.raises(LeadscoreError, match=message) as error:
        load_source(config_path)
    assert "\n" not in str(error.value)
    assert str(config_path) in str(error.value) or "not found" in str(error.value)


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nkind: flat\ntables: {leads: [unclosed\n")
    with pytest.raises(LeadscoreError, match=r"broken.yaml line \d+: not valid YAML"):
        load_source(path)
    path.write_text("- just\n- a list\n")
    with pytest.raises(LeadscoreError, match="expected a mapping"):
        load_source(path)


def test_event_log_needs_a_horizon_and_its_tables(tmp_path):
    body = {
        "name": "ev",
        "kind": "event_log",
        "tables": {
            "leads": {
                "path": "a.csv",
                "columns": {"lead_id": "id", "created_at": "c", "channel": "o"},
            }
        },
        "label": {"horizon_days": 90},
    }
    with pytest.raises(LeadscoreError, match="tables.outcomes is missing"):
        parse_source(body, file=Path("ev.yaml"), root=tmp_path)
    body["tables"]["outcomes"] = {
        "path": "b.csv",
        "columns": {"lead_id": "id", "closed_at": "w"},
        "constants": {"status": "converted"},
    }
    body["label"] = {}
    with pytest.raises(LeadscoreError, match="label.horizon_days is missing"):
        parse_source(body, file=Path("ev.yaml"), root=tmp_path)
    body["label"] = {"horizon_days": 90}
    body["tables"]["outcomes"]["columns"]["colour"] = "x"
    with pytest.raises(LeadscoreError, match="'colour' is not a outcomes column"):
        parse_source(body, file=Path("ev.yaml"), root=tmp_path)


def test_wrong_date_format_is_caught_not_turned_into_missing_dates(tmp_path):
    config_path, _ = write_flat(tmp_path, n=80, dated=True)
    _edited(config_path, lambda b: b["tables"]["leads"]["date_formats"].update(Created="%Y-%m-%d"))
    with pytest.raises(LeadscoreError, match="do not match the date format %Y-%m-%d"):
        flat_feature_frame(load_source(config_path))


def test_label_values_that_match_nothing_are_a_user_error(tmp_path):
    config_path, _ = write_flat(tmp_path, n=80)
    _edited(config_path, lambda b: b["label"].update(positive=["TRUE"]))
    with pytest.raises(LeadscoreError, match="leaves 0 of 80 rows converted"):
        flat_feature_frame(load_source(config_path))


def test_unknown_variant_names_the_known_ones(tmp_path):
    with pytest.raises(LeadscoreError, match="rep_columns_excluded"):
        load_source(ROOT / "configs/xeducation.yaml", root=ROOT, variant="nope", check_files=False)


def test_feature_names_are_snake_case_and_collisions_are_refused(tmp_path):
    assert feature_name("Total Time Spent on Website") == "total_time_spent_on_website"
    assert feature_name(" Lead-Source ") == "lead_source"
    config_path, csv = write_flat(tmp_path, n=50)
    frame = pd.read_csv(csv)
    frame["total visits"] = frame["Total Visits"]
    frame.to_csv(csv, index=False)
    _edited(
        config_path, lambda b: b["tables"]["leads"]["extra"].update({"total visits": "numeric"})
    )
    with pytest.raises(LeadscoreError, match="both become feature 'total_visits'"):
        load_source(config_path)


def test_cli_reports_a_bad_config_in_one_line(tmp_path, capsys):
    params = str(ROOT / "params.yaml")
    code = main(["--params", params, "run-export", "--config", str(tmp_path / "missing.yaml")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("leadscore run-export: error:") and "missing.yaml" in err
    assert len(err.splitlines()) == 1


def test_data_fingerprint_is_the_sha256_of_the_exports_files(tmp_path):
    config_path, csv = write_flat(tmp_path, n=50)
    config = load_source(config_path)
    before = data_fingerprint(config)
    assert before == hashlib.sha256(csv.read_bytes()).hexdigest()
    csv.write_text(csv.read_text().replace("Referral", "Referal", 1))  # one byte less
    assert data_fingerprint(config) != before
