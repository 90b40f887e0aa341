"""Reasons a sales rep reads: the features that moved a lead's score most, in words, signed.

"Visited the pricing page 3 times in the last 7 days (+)", "Student e-mail address (−)".
Every feature has a template that fills in the lead's value; the sign is the sign of the
feature's log-odds contribution. Rendering is vectorised: per feature only the distinct values
are formatted (a count has a handful), then mapped back to the rows, so a million leads cost a
few array operations per feature, not a Python loop per lead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from scoring.output import text_column

UP, DOWN = "(+)", "(\u2212)"  # U+2212 minus sign, as a typographer writes it
N_REASONS = 3
MIN_CONTRIBUTION = 1e-9  # a feature that did not move the log-odds is no reason

# activity type -> (what the lead did, n filled in; the zero case; the noun of "last ...")
ACTIVITY_PHRASES: dict[str, tuple[str, str, str]] = {
    "email_open": ("Opened {n} e-mail{s}", "No e-mails opened", "e-mail opened"),
    "email_click": ("Clicked {n} e-mail link{s}", "No e-mail links clicked", "e-mail click"),
    "web_visit": ("Visited the website {times}", "No website visits", "website visit"),
    "pricing_page_view": (
        "Visited the pricing page {times}",
        "No pricing-page visits",
        "pricing-page visit",
    ),
    "content_download": (
        "Downloaded {n} piece{s} of content",
        "No content downloads",
        "content download",
    ),
    "webinar_registered": (
        "Registered for {n} webinar{s}",
        "No webinar registrations",
        "webinar registration",
    ),
    "webinar_attended": ("Attended {n} webinar{s}", "No webinars attended", "webinar attended"),
    "form_submit": ("Submitted {n} form{s}", "No forms submitted", "form submitted"),
    "demo_request": ("Requested a demo {times}", "No demo requests", "demo request"),
    "trial_signup": ("Started a trial {times}", "No trial sign-ups", "trial sign-up"),
    "sales_call": ("Had {n} sales call{s}", "No sales calls", "sales call"),
    "meeting": ("Had {n} meeting{s}", "No meetings", "meeting"),
    "unsubscribe": ("Unsubscribed from e-mails {times}", "No unsubscribes", "unsubscribe"),
    "email_bounce": ("Had {n} bounced e-mail{s}", "No bounced e-mails", "bounced e-mail"),
    "careers_page_view": (
        "Visited the careers page {times}",
        "No careers-page visits",
        "careers-page visit",
    ),
}

SENIORITY = {
    "c_level": "C-level title",
    "vp": "VP-level title",
    "director": "Director-level title",
    "manager": "Manager-level title",
    "individual": "Individual-contributor title",
    "intern": "Intern title",
    "student": "Student title",
    "unknown": "Seniority unclear from the job title",
}
EMAIL_DOMAIN_TYPE = {
    "corporate": "Corporate e-mail address",
    "free_mail": "Free-mail e-mail address",
    "education": "Student e-mail address",
    "competitor": "E-mail address at a competitor",
    "invalid": "Invalid e-mail address",
    "missing": "No e-mail address",
}
REGIONS = {
    "north_america": "North America",
    "latin_america": "Latin America",
    "europe": "Europe",
    "middle_east_africa": "the Middle East or Africa",
    "asia_pacific": "Asia-Pacific",
}
FUNCTION_NAMES = {"it": "IT", "hr": "HR", "r_and_d": "R&D", "rnd": "R&D"}
UNKNOWN_VALUES = frozenset({"", "unknown", "missing", "nan", "none"})

Template = Callable[[object], str]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in UNKNOWN_VALUES


def _words(value: object) -> str:
    return str(value).replace("_", " ").strip()


def _int(value: object) -> int:
    return int(math.floor(float(value) + 0.5))


def _plural(template: str, n: int) -> str:
    times = "once" if n == 1 else "twice" if n == 2 else f"{n:,} times"
    return template.format(
        n=f"{n:,}", s="" if n == 1 else "s", ies="y" if n == 1 else "ies", times=times
    )


def _window_text(window: str) -> str:
    return "" if window == "all" else f" in the last {window.removesuffix('d')} days"


def _phrases(activity_type: str) -> tuple[str, str, str]:
    label = _words(activity_type)
    default = (f"{{n}} {label} activit{{ies}}", f"No {label} activities", f"{label} activity")
    return ACTIVITY_PHRASES.get(activity_type, default)


def _activity_count(activity_type: str, window: str) -> Template:
    did, none, _ = _phrases(activity_type)
    suffix = _window_text(window)

    def render(value: object) -> str:
        n = 0 if _missing(value) else _int(value)
        if n <= 0:
            return none + suffix
        return _plural(did, n) + suffix

    return render


def _days_ago(n: int) -> str:
    return "within the last day" if n < 1 else "1 day ago" if n == 1 else f"{n:,} days ago"


def _days_since(activity_type: str) -> Template:
    _, none, noun = _phrases(activity_type)
    return lambda v: none if _missing(v) else f"Last {noun} {_days_ago(int(float(v)))}"


def _any_activity_count(window: str) -> Template:
    suffix = _window_text(window) or " in total"

    def render(value: object) -> str:
        n = 0 if _missing(value) else _int(value)
        if n <= 0:
            return ("No activity" + _window_text(window)) if window != "all" else "No activity yet"
        return f"{n:,} activit{'y' if n == 1 else 'ies'}{suffix}"

    return render


def _no_activity_for(value: object) -> str:
    if _missing(value):
        return "No activity yet"
    n = int(float(value))
    if n < 1:
        return "Active within the last day"
    return f"No activity for {n:,} day{'s' if n != 1 else ''}"


def _velocity(value: object) -> str:
    if _missing(value):
        return "No activity in the last 37 days"
    x = float(value)
    if x >= 0.6:
        return "Activity picking up in the last 7 days"
    if x <= 0.4:
        return "Activity slowing down in the last 7 days"
    return "Steady activity over the last 5 weeks"


def _flag(yes: str, no: str, unknown: str) -> Template:
    return lambda v: unknown if _missing(v) else (yes if float(v) >= 0.5 else no)


def _category(mapping: dict[str, str], other: Callable[[str], str], unknown: str) -> Template:
    return lambda v: unknown if _missing(v) else mapping.get(str(v), other(str(v)))


def _country(value: object) -> str:
    if _missing(value):
        return "Country not given"
    text = str(value)
    return f"Based in {text.upper() if len(text) == 2 else text.title()}"


def _employees(value: object) -> str:
    if _missing(value):
        return "Company size not given"
    n = _int(value)
    return f"Company with {n:,} employee{'s' if n != 1 else ''}"


def _lead_age(value: object) -> str:
    if _missing(value):
        return "Lead age unknown"
    n = int(float(value))
    return "Lead created within the last day" if n < 1 else f"Lead created {_days_ago(n)}"


def _engagement(value: object) -> str:
    x = 0.0 if _missing(value) else float(value)
    return "No recent engagement" if x < 0.05 else f"Recent engagement score {x:.1f}"


def _intent_share(days: str) -> Template:
    def render(value: object) -> str:
        if _missing(value):
            return f"No activity in the last {days} days"
        share = _int(100 * float(value))
        return f"{share}% of the last {days} days' activity shows buying intent"

    return render


def _counted(singular: str, plural: str, none: str, suffix: str = "") -> Template:
    def render(value: object) -> str:
        n = 0 if _missing(value) else _int(value)
        if n <= 0:
            return none + suffix
        return (singular if n == 1 else plural).format(n=f"{n:,}") + suffix

    return render


def _generic(label: str, kind: str) -> Template:
    def render(value: object) -> str:
        if _missing(value):
            return f"{label}: not known"
        if kind == "categorical":
            return f"{label}: {_words(value)}"
        return f"{label}: {float(value):.4g}"

    return render


_COUNT = re.compile(r"^count_(?P<type>.+)_(?P<window>\d+d|all)$")
_DAYS_SINCE = re.compile(r"^days_since_last_(?P<type>.+)$")
_DAYS_IN_NAME = re.compile(r"_(?P<days>\d+)d$")


def template_for(
    name: str, *, kind: str = "numeric", meaning: str = "", inactivity_days: int = 30
) -> Template:
    """The function that turns one value of feature ``name`` into a sentence."""
    fixed: dict[str, Template] = {
        "channel": lambda v: (
            "Channel not recorded" if _missing(v) else f"Came in through {_words(v)}"
        ),
        "campaign": lambda v: (
            "No campaign recorded" if _missing(v) else f"From campaign {_words(v)}"
        ),
        "country": _country,
        "region": lambda v: (
            "Region not known" if _missing(v) else f"Based in {REGIONS.get(str(v), _words(v))}"
        ),
        "industry": lambda v: "Industry not given" if _missing(v) else f"Industry: {_words(v)}",
        "industry_is_target": _flag(
            "Target industry", "Industry outside the target group", "Industry not given"
        ),
        "employees": _employees,
        "employee_band": lambda v: (
            "Company size not given" if _missing(v) else f"Company size {v} employees"
        ),
        "seniority": _category(
            SENIORITY, lambda v: f"Seniority: {_words(v)}", SENIORITY["unknown"]
        ),
        "job_function": _category(
            {},
            lambda v: f"Works in {FUNCTION_NAMES.get(v, _words(v))}",
            "Job function unclear from the job title",
        ),
        "email_domain_type": _category(
            EMAIL_DOMAIN_TYPE, lambda v: f"E-mail address type: {_words(v)}", "No e-mail address"
        ),
        "has_phone": _flag("Phone number given", "No phone number", "Phone number not known"),
        "email_valid": _flag(
            "Valid e-mail address", "Malformed e-mail address", "No e-mail address"
        ),
        "lead_age_days": _lead_age,
        "count_activities_all": _any_activity_count("all"),
        "days_since_last_activity": _no_activity_for,
        "engagement_decayed": _engagement,
        "velocity_7d_vs_30d": _velocity,
        "distinct_details_all": _counted(
            "Looked at {n} page or content item",
            "Looked at {n} different pages and content items",
            "Looked at no pages or content yet",
        ),
        "demo_or_trial_ever": _flag(
            "Requested a demo or started a trial", "No demo request or trial yet", "No demo yet"
        ),
        "unsubscribed_ever": _flag(
            "Unsubscribed from e-mails", "Still subscribed to e-mails", "Subscription unknown"
        ),
        "bounced_ever": _flag("An e-mail to the lead bounced", "No bounced e-mails", "No e-mails"),
        "inactive": _flag(
            f"No activity for {inactivity_days}+ days",
            f"Active in the last {inactivity_days} days",
            "Activity unknown",
        ),
    }
    if name in fixed:
        return fixed[name]
    days = _DAYS_IN_NAME.search(name)
    if name.startswith("count_activities_") and days:
        return _any_activity_count(f"{days['days']}d")
    if name.startswith("distinct_pages_") and days:
        return _counted(
            "Viewed {n} page",
            "Viewed {n} different pages",
            "Viewed no pages",
            f" in the last {days['days']} days",
        )
    if name.startswith("intent_share_") and days:
        return _intent_share(days["days"])
    if match := _COUNT.match(name):
        return _activity_count(match["type"], match["window"])
    if match := _DAYS_SINCE.match(name):
        return _days_since(match["type"])
    label = (meaning or _words(name)).split(" (")[0]
    return _generic(label[:1].upper() + label[1:], kind)


# --- vectorised rendering -----------------------------------------------------------------


def _distinct(values: np.ndarray | pd.Series, kind: str) -> tuple[np.ndarray, list]:
    """(code per value, the distinct values); missing values get the code len(uniques)."""
    if kind != "categorical":
        # rounded to what a sentence shows, so that few distinct values remain
        values = pd.to_numeric(pd.Series(values), errors="coerce").astype(float).round(2)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, list(uniques)


class Sentences:
    """The distinct reason sentences of a run; a reason is a code into them (-1: no reason).

    A million leads share a few thousand sentences, so the reasons travel as int32 codes and
    become text only once, as an Arrow string column (a take from the distinct sentences).
    """

    def __init__(self) -> None:
        self._code: dict[str, int] = {}

    def codes(self, texts: Sequence[str]) -> np.ndarray:
        """The code of each text, adding the new ones."""
        code = self._code
        return np.array([code.setdefault(t, len(code)) for t in texts], dtype=np.int32)

    def distinct(self) -> list[str]:
        """Every sentence, in code order."""
        return list(self._code)

    def texts(self, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The sentences of ``codes`` as a ``str`` array; code -1 is missing."""
        return text_column(codes, self.distinct())


def _signed_codes(
    template: Template, values, kind: str, up: np.ndarray, sentences: Sentences
) -> np.ndarray:
    """Codes of template(value) + the sign mark, formatted once per distinct value and sign."""
    codes, uniques = _distinct(values, kind)
    texts = [template(u) for u in uniques] + [template(None)]
    rising = sentences.codes([f"{t} {UP}" for t in texts])
    falling = sentences.codes([f"{t} {DOWN}" for t in texts])
    return np.where(up, rising[codes], falling[codes])


def _insert(
    magnitude: np.ndarray, index: np.ndarray, value: np.ndarray, size, column, j: int
) -> None:
    """Put feature ``j`` into the kept top k (each (k, rows)) of every row it beats, in place."""
    k = len(magnitude)
    # the newcomer is the latest column, so it ranks after every kept one as large as it:
    # it takes rank r where it is strictly larger than the entry kept there
    larger = size > magnitude
    for r in range(k - 1, -1, -1):  # bottom up, so rank r - 1 still holds its old entry
        np.copyto(magnitude[r], size, where=larger[r])
        np.copyto(index[r], j, where=larger[r])
        np.copyto(value[r], column, where=larger[r])
        if r:  # where the newcomer went above rank r, the entry of rank r - 1 moves down
            np.copyto(magnitude[r], magnitude[r - 1], where=larger[r - 1])
            np.copyto(index[r], index[r - 1], where=larger[r - 1])
            np.copyto(value[r], value[r - 1], where=larger[r - 1])


def top_features(
    columns: Iterable[np.ndarray], n_rows: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(feature index, contribution), each (k, rows): the k largest |contribution| per row.

    ``columns`` yields one feature's contributions at a time, so the (rows, features) matrix
    need not exist. Ties keep the earlier feature first; a missing contribution counts as 0.
    """
    magnitude = np.full((k, n_rows), -1.0)  # below any real magnitude: the first k always enter
    index = np.zeros((k, n_rows), dtype=np.intp)
    value = np.zeros((k, n_rows))
    for j, column in enumerate(columns):
        column = np.asarray(column, dtype=float)
        size = np.fmax(np.abs(column), 0.0)  # fmax: NaN -> 0
        entering = size > magnitude[k - 1]
        count = np.count_nonzero(entering)
        if count > n_rows // 8:
            _insert(magnitude, index, value, size, column, j)
        elif count:  # most features change few rows' top k: work on those rows only
            rows = np.flatnonzero(entering)
            kept = magnitude[:, rows], index[:, rows], value[:, rows]
            _insert(*kept, size[rows], column[rows], j)
            magnitude[:, rows], index[:, rows], value[:, rows] = kept
    return index, value


def top_reason_codes(
    columns: Iterable[np.ndarray],
    features: pd.DataFrame,
    names: Sequence[str],
    templates: Sequence[Template],
    kinds: Sequence[str],
    sentences: Sentences,
    n_reasons: int = N_REASONS,
) -> np.ndarray:
    """(n_reasons, rows) sentence codes: the largest |contributions| first, signed; -1 none.

    ``columns`` yields the contributions of each feature of ``names`` in turn (rows of
    ``features``). Each feature is rendered once for all the rows and ranks that chose it.
    """
    n_rows = len(features)
    k = min(n_reasons, len(names))
    codes = np.full((n_reasons, n_rows), -1, dtype=np.int32)
    if k == 0:
        return codes
    index, value = top_features(columns, n_rows, k)
    chosen, value = index.ravel(), value.ravel()  # slot = rank * n_rows + row
    row = np.tile(np.arange(n_rows), k)
    flat = codes[:k].reshape(-1)  # a view: filling it fills codes
    slots = np.flatnonzero(np.abs(value) > MIN_CONTRIBUTION)
    slots = slots[np.argsort(chosen[slots], kind="stable")]  # grouped by feature
    bounds = np.flatnonzero(np.diff(chosen[slots])) + 1
    for group in np.split(slots, bounds) if len(slots) else []:
        j = chosen[group[0]]
        column = features[names[j]].iloc[row[group]]
        flat[group] = _signed_codes(templates[j], column, kinds[j], value[group] > 0, sentences)
    return codes
