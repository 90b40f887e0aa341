"""`leadscore report`: reports/metrics.json (the DVC metrics file) and reports/report.html.

metrics.json merges every reports/metrics/*.json. report.html is one self-contained file for
managers: model against the baselines, gains chart, tiers and thresholds, profit, channels and
the learned point table; the plots are embedded PNGs, so it opens anywhere without Python.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # no pyplot: no global state, no display needed
from matplotlib.ticker import StrMethodFormatter

from features.errors import LeadscoreError
from pipeline.outputs import write_json, write_text

HELP = "Merge reports/metrics/*.json into reports/metrics.json and write reports/report.html"
log = logging.getLogger(__name__)

REPORTS = Path("reports")
ECONOMICS_PLOTS = REPORTS / "plots" / "economics"
METRIC_COLUMNS = ["roc_auc", "pr_auc", "log_loss", "brier", "ece", "lift_at_10pct"]
POLICIES = [
    ("model", "Model routing (decision rule)"),
    ("learned_point_table", "Learned point table (same rule)"),
    ("logistic", "Logistic regression (same rule)"),
    ("point_table", "Legacy point table (MQL threshold)"),
    ("contact_all", "Contact everyone"),
    ("contact_none", "Contact no one"),
    ("oracle", "Bayes limit (true probabilities, same rule)"),
]
NAMES = {
    "model": "Model",
    "oracle": "Bayes limit",
    "logistic": "Logistic regression",
    "point_table": "Legacy point table",
    "learned_point_table": "Learned point table",
    "frequency_nb": "Frequency NB",
    "random": "Random",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    metrics = merge_metrics(REPORTS / "metrics")
    write_json(REPORTS / "metrics.json", metrics)
    write_text(REPORTS / "report.html", render_report(metrics, REPORTS))
    log.info("wrote %s and %s", REPORTS / "metrics.json", REPORTS / "report.html")
    return 0


def merge_metrics(metrics_dir: Path) -> dict[str, Any]:
    """The union of every metrics file; the same key with two values is an error."""
    files = sorted(metrics_dir.glob("*.json"))
    if not files:
        raise LeadscoreError(f"{metrics_dir}: no metrics files; run train and economics first")
    merged: dict[str, Any] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise LeadscoreError(
                f"{path}: not valid JSON; rerun the stage that writes it"
            ) from None
        _merge_into(merged, data, path, ())
    return merged


def _merge_into(target: dict, source: dict, path: Path, where: tuple[str, ...]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value, path, (*where, key))
        elif key in target and target[key] != value:
            dotted = ".".join((*where, key))
            raise LeadscoreError(f"{path}: metric '{dotted}' is also written by another file")
        else:
            target[key] = value


# ---- HTML ---------------------------------------------------------------------------------------


def render_report(metrics: dict[str, Any], reports: Path) -> str:
    """The whole report as one HTML string."""
    thresholds = _read_json(reports / "thresholds.json")
    channels = _read_json(reports / "channels.json")
    plots = reports / "plots" / "economics"
    sections = [
        _summary(metrics),
        _models_section(metrics),
        _gains_section(plots / "gains.csv"),
        _tiers_section(thresholds, metrics.get("economics", {})),
        _profit_section(metrics.get("economics", {}), plots),
        _channels_section(channels, plots),
        _scorecard_section(reports / "scorecard.csv", metrics.get("economics", {})),
    ]
    return PAGE.format(body="\n".join(sections))


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>leadscore report</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }}
h1 {{ border-bottom: 3px solid #2b6cb0; padding-bottom: .2em; }}
h2 {{ margin-top: 2em; border-bottom: 1px solid #ccc; }}
table {{ border-collapse: collapse; margin: .8em 0; font-size: 90%; }}
th, td {{ border: 1px solid #ddd; padding: .3em .6em; text-align: right; }}
th {{ background: #f0f4f8; }} td.l, th.l {{ text-align: left; }}
tr.bad td {{ background: #fdecea; }} .note {{ color: #555; font-size: 90%; }}
.ok {{ color: #276749; font-weight: bold; }} .miss {{ color: #c53030; font-weight: bold; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>Lead scoring report</h1>
{body}
<p class="note">Generated by <code>leadscore report</code> from reports/metrics.json,
reports/thresholds.json, reports/channels.json and reports/scorecard.csv.</p>
</body></html>
"""


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.exists() else None


def _e(text: Any) -> str:
    return html.escape(str(text))


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    whole = isinstance(value, float) and value.is_integer()
    if isinstance(value, int) or whole or (isinstance(value, float) and abs(value) >= 1000):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return _e(value)


def _section(anchor: str, title: str, content: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>\n{content}\n</section>'


def _missing(what: str) -> str:
    return f'<p class="note">Not available: {_e(what)} has not been produced yet.</p>'


def _table(header: list[str], rows: list[list[str]], left: int = 1, classes=None) -> str:
    head = "".join(
        f'<th class="l">{h}</th>' if i < left else f"<th>{h}</th>" for i, h in enumerate(header)
    )
    body = []
    for r, row in enumerate(rows):
        cells = "".join(
            f'<td class="l">{c}</td>' if i < left else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        css = f' class="{classes[r]}"' if classes and classes[r] else ""
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(draw: Callable[[Axes], None], alt: str) -> str:
    """A matplotlib figure as an embedded PNG (no external file)."""
    fig = Figure(figsize=(8, 4.2), dpi=100)
    ax = fig.subplots()
    draw(ax)
    ax.grid(alpha=0.3)
    if ax.get_ylabel() == "realised profit":
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _target(met: bool | None) -> str:
    if met is None:
        return "–"
    return '<span class="ok">met</span>' if met else '<span class="miss">missed</span>'


def _summary(metrics: dict[str, Any]) -> str:
    eco = metrics.get("economics", {})
    test = metrics.get("test", {})
    rows = []
    if "roc_auc" in test:
        rows.append(["Model ROC AUC on the test window", _num(test["roc_auc"]), "", ""])
    pairs = [
        ("profit_ratio_model_to_oracle", "Profit of model routing / Bayes-limit routing", 0.90),
        ("profit_ratio_model_to_point_table", "Profit of model routing / legacy point table", 1.25),
    ]
    for key, text, goal in pairs:
        if key in eco:
            rows.append([text, _num(eco[key]), f"&ge; {goal}", _target(eco[key] >= goal)])
    if "auc_gap_model_minus_learned_point_table" in eco:
        gap = eco["auc_gap_model_minus_learned_point_table"]
        rows.append(
            [
                "Model AUC minus learned point table AUC",
                _num(gap),
                "&le; 0.02",
                _target(gap <= 0.02),
            ]
        )
    for key, text in [
        ("profit_model", "Realised profit of the model's routing (test window)"),
        ("contacts_model", "Sales contacts it makes"),
    ]:
        if key in eco:
            rows.append([text, _num(eco[key]), "", ""])
    if not rows:
        return _section("summary", "Summary", _missing("reports/metrics/*.json"))
    return _section("summary", "Summary", _table(["Figure", "Value", "Target", ""], rows))


def _models_section(metrics: dict[str, Any]) -> str:
    models: list[tuple[str, dict]] = []
    if "test" in metrics:
        models.append(("Model (champion candidate)", metrics["test"]))
    for name, figures in sorted(metrics.get("baselines", {}).items()):
        if isinstance(figures, dict):
            models.append((NAMES.get(name, name), figures))
    if "oracle" in metrics:
        models.append(("Bayes limit (true probabilities)", metrics["oracle"]))
    if not models:
        return _section(
            "models", "Model against the baselines", _missing("reports/metrics/model.json")
        )
    columns = [c for c in METRIC_COLUMNS if any(c in f for _, f in models)]
    rows = [[_e(name), *[_num(f.get(c), 4) for c in columns]] for name, f in models]
    note = (
        '<p class="note">Test window (the most recent fully labelled weeks). ROC/PR AUC: higher is '
        "better; log loss, Brier and ECE (calibration error): lower is better.</p>"
    )
    return _section(
        "models", "Model against the baselines", _table(["Model", *columns], rows) + note
    )


def _gains_section(path: Path) -> str:
    gains = _read_csv(path)
    if gains is None:
        return _section("gains", "Gains chart", _missing(str(path)))
    curves = [c for c in gains.columns if c != "share_of_leads"]

    def draw(ax):
        for c in curves:
            style = "--" if c == "random" else "-"
            ax.plot(100 * gains["share_of_leads"], 100 * gains[c], style, label=NAMES.get(c, c))
        ax.set_xlabel("% of leads contacted, best scores first")
        ax.set_ylabel("% of conversions captured")
        ax.legend()

    at = gains.set_index("share_of_leads")
    rows = []
    for share in (0.05, 0.1, 0.2):
        nearest = at.index[abs(at.index - share).argmin()]
        rows.append([f"top {share:.0%}", *[f"{at.loc[nearest, c]:.1%}" for c in curves]])
    table = _table(["Leads taken", *[_e(NAMES.get(c, c)) for c in curves]], rows)
    return _section("gains", "Gains chart", _figure(draw, "cumulative gains") + table)


def _tiers_section(thresholds: dict[str, Any], eco: dict[str, Any]) -> str:
    if not thresholds:
        return _section("tiers", "Tiers and thresholds", _missing("reports/thresholds.json"))
    money = thresholds.get("economics", {})
    intro = (
        f"<p>Score = {_e(thresholds.get('score_definition'))}. A lead goes to sales (hot, SQL) "
        "when its expected profit p&times;V &minus; c is positive"
        + (
            f" and it is among the {money['sales_capacity_per_batch']} most profitable leads of "
            "the week"
            if money.get("sales_capacity_per_batch")
            else ""
        )
        + "; to nurture (warm, MQL) when a nurture touch pays (p&times;uplift&times;V &gt; "
        "nurture cost); otherwise no action (cold).</p>"
        f"<p>Sales contact {_num(money.get('sales_contact_cost'))}, nurture touch "
        f"{_num(money.get('nurture_touch_cost'))} with uplift {_num(money.get('nurture_uplift'))}; "
        f"conversion value: {_e(money.get('conversion_value'))}.</p>"
    )
    rows = []
    segments = thresholds.get("segments") or {}
    label = " | ".join(thresholds.get("segment_columns") or []) or "segment"
    for key, t in [*sorted(segments.items()), ("(default)", thresholds.get("default", {}))]:
        rows.append(
            [
                _e(key),
                _num(t.get("conversion_value")),
                _num(t.get("won_deals")),
                _num(t.get("hot_min_score")),
                _num(t.get("warm_min_score")),
            ]
        )
    table = _table(
        [
            _e(label),
            "Value of a conversion V",
            "Won deals",
            "Hot (SQL) from score",
            "Warm (MQL) from score",
        ],
        rows,
    )
    counts = thresholds.get("test_window", {})
    tiers = _table(
        ["Tier", "Label", "Route", "Leads in the test window (lead-weeks)"],
        [
            [t, _e(d.get("label")), _e(d.get("route")), _num(counts.get(t))]
            for t, d in thresholds.get("tiers", {}).items()
        ],
    )
    return _section("tiers", "Tiers and thresholds", intro + table + tiers)


def _profit_section(eco: dict[str, Any], plots: Path) -> str:
    if "profit_model" not in eco:
        return _section("profit", "Profit", _missing("reports/metrics/economics.json"))
    rows = []
    for key, text in POLICIES:
        if f"profit_{key}" not in eco:
            continue
        rows.append(
            [
                _e(text),
                _num(eco[f"profit_{key}"]),
                _interval(eco, key),
                _num(eco.get(f"contacts_{key}")),
                _num(eco.get(f"nurtures_{key}")),
            ]
        )
    table = _table(
        ["Routing", "Realised profit", "95 % interval", "Sales contacts", "Nurtured"], rows
    )
    note = (
        '<p class="note">Realised on the test window: every sales contact earns the deal value '
        "of a lead that converted within the horizon minus the contact cost; a nurture touch "
        "earns uplift &times; that value minus its cost. One row is one lead in one weekly "
        "snapshot; intervals resample whole leads (bootstrap).</p>"
    )
    content = table + note
    threshold = _read_csv(plots / "profit_vs_threshold.csv")
    if threshold is not None:
        content += "<h3>Profit against the score threshold</h3>" + _figure(
            lambda ax: _curves(
                ax, threshold, "threshold_score", "score threshold (sales when score >= t)"
            ),
            "profit vs threshold",
        )
    capacity = _read_csv(plots / "profit_vs_capacity.csv")
    if capacity is not None:
        content += "<h3>Profit against sales capacity</h3>" + _figure(
            lambda ax: _curves(
                ax, capacity, "capacity_per_batch", "sales contacts per week", log_x=True
            ),
            "profit vs capacity",
        )
    legacy = _read_csv(plots / "profit_vs_mql_threshold.csv")
    if legacy is not None:
        content += "<h3>The legacy point table's MQL threshold</h3>" + _figure(
            lambda ax: _legacy(ax, legacy), "legacy threshold"
        )
    return _section("profit", "Profit of each routing", content)


def _interval(eco: dict[str, Any], key: str) -> str:
    low, high = eco.get(f"profit_{key}_ci_low"), eco.get(f"profit_{key}_ci_high")
    return f"{_num(low)} – {_num(high)}"


def _curves(ax, table: pd.DataFrame, x: str, xlabel: str, log_x: bool = False) -> None:
    for column in [c for c in table.columns if c.startswith("profit_")]:
        name = column.removeprefix("profit_")
        ax.plot(table[x], table[column], label=NAMES.get(name, name))
    if log_x:
        ax.set_xscale("symlog")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("realised profit")
    ax.legend()


def _legacy(ax, table: pd.DataFrame) -> None:
    ax.plot(table["points_threshold"], table["profit_point_table"], label="legacy point table")
    hand = table[table["is_hand_set_threshold"]]
    ax.scatter(
        hand["points_threshold"],
        hand["profit_point_table"],
        color="red",
        zorder=3,
        label="hand-set MQL threshold",
    )
    ax.set_xlabel("legacy points threshold")
    ax.set_ylabel("realised profit")
    ax.legend()


def _channels_section(channels: dict[str, Any], plots: Path) -> str:
    if not channels.get("available"):
        return _section("channels", "Channels", _missing("reports/channels.json"))
    cohort = channels.get("mature_cohort", {})
    rows, classes = [], []
    for name, c in channels.get("channels", {}).items():
        rows.append(
            [
                _e(name),
                _num(c.get("leads")),
                _num(c.get("conversion_rate")),
                _num(c.get("median_sales_cycle_days"), 0),
                _num(c.get("cpl"), 1),
                _num(c.get("cost_per_order"), 0),
                _num(c.get("max_cpl"), 1),
                "yes" if c.get("loses_money") else ("–" if c.get("loses_money") is None else "no"),
            ]
        )
        classes.append("bad" if c.get("loses_money") else "")
    header = [
        "Channel",
        "Leads",
        "Conversion rate",
        "Median sales cycle (days)",
        "CPL",
        "Cost per order",
        "Max bearable CPL",
        "Loses money",
    ]
    content = (
        f"<p>Leads created on or before {_e(cohort.get('created_on_or_before'))} (old enough to "
        "have closed). Max bearable CPL = conversion rate &times; (mean deal value &minus; sales "
        "contact cost): a channel whose CPL is above it loses money.</p>"
        + _table(header, rows, classes=classes)
    )
    value = _read_csv(plots / "channel_value.csv")
    if value is not None and not value.empty:
        content += _figure(lambda ax: _channel_bars(ax, value), "value per lead vs CPL")
    attribution = channels.get("attribution", {}).get("by_channel", {})
    if attribution:
        rows = [
            [
                _e(t),
                _num(a.get("conversions_credit"), 1),
                _num(a.get("first_touch_conversions")),
                _num(a.get("revenue_credit")),
            ]
            for t, a in attribution.items()
        ]
        content += (
            "<h3>Linear multi-touch attribution</h3><p>Each conversion is split equally over the "
            "distinct channels that touched the lead before it converted (its acquisition "
            "channel and its marketing activities).</p>"
            + _table(
                [
                    "Touch channel",
                    "Conversions (linear)",
                    "Conversions (first touch)",
                    "Revenue (linear)",
                ],
                rows,
            )
        )
    return _section("channels", "Channels: value per lead against cost per lead", content)


def _channel_bars(ax, value: pd.DataFrame) -> None:
    y = range(len(value))
    ax.barh([i + 0.2 for i in y], value["max_cpl"], height=0.4, label="max bearable CPL")
    ax.barh([i - 0.2 for i in y], value["cpl"].fillna(0), height=0.4, label="actual CPL")
    ax.set_yticks(list(y), value["channel"])
    ax.set_xlabel("money per lead")
    ax.legend()


def _scorecard_section(path: Path, eco: dict[str, Any]) -> str:
    table = _read_csv(path)
    if table is None:
        return _section("scorecard", "Learned point table", _missing(str(path)))
    aucs = _table(
        ["Scoring", "ROC AUC on test"],
        [
            ["Model", _num(eco.get("auc_model"), 4)],
            ["Learned point table (integer points)", _num(eco.get("auc_learned_point_table"), 4)],
            ["Legacy hand-set point table", _num(eco.get("auc_point_table"), 4)],
        ],
    )
    base = table[table["kind"] == "base"]
    rules = table[table["kind"] != "base"]
    rows = [[_e(r.feature), _e(r.condition), _num(int(r.points))] for r in rules.itertuples()]
    intro = (
        "<p>An integer point table learned from the model, for CRMs that need rules "
        "(exported as reports/scorecard.csv and reports/scorecard.yaml). Score = "
        f"{_num(int(base['points'].iloc[0]) if len(base) else 0)} base points + the points of "
        "one rule per feature.</p>"
    )
    return _section(
        "scorecard",
        "Learned point table",
        intro + aucs + _table(["Feature", "Condition", "Points"], rows, left=2),
    )
