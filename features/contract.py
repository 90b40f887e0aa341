"""The CRM data contract: the tables leadscore reads, their columns, types and keys.

Every module that touches CRM data imports its names from here, so the shape of the data is
stated once. README.md ("Data contract") documents the same tables for users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical column types. Ingest coerces raw values to these; Parquet in data/interim/ stores them
# as: string -> string, timestamp -> timestamp[us] (naive UTC), float -> float64,
# integer -> int64 (nullable), boolean -> bool (nullable), date_month -> string "YYYY-MM".
STRING = "string"
CATEGORY = "category"  # a string that ingest trims and case-folds
TIMESTAMP = "timestamp"
FLOAT = "float"
INTEGER = "integer"
BOOLEAN = "boolean"
MONTH = "month"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True  # the column must exist in the export
    nullable: bool = True  # a row may leave it empty
    meaning: str = ""
    min_value: float | None = None  # smaller numbers are absurd: the row is quarantined


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # unique after de-duplication
    allows_extra_columns: bool = False
    meaning: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


# The activity vocabulary. Extend it with `ingest.extra_activity_types` in params.yaml;
# ingest quarantines activity types outside the (extended) vocabulary.
ACTIVITY_TYPES: tuple[str, ...] = (
    "email_open",
    "email_click",
    "web_visit",
    "pricing_page_view",
    "content_download",
    "webinar_registered",
    "webinar_attended",
    "form_submit",
    "demo_request",
    "trial_signup",
    "sales_call",
    "meeting",
    "unsubscribe",
    "email_bounce",
    "careers_page_view",
)

CONVERTED = "converted"
DISQUALIFIED = "disqualified"
OUTCOME_STATUSES: tuple[str, ...] = (CONVERTED, DISQUALIFIED)

LEADS = Table(
    name="leads",
    key=("lead_id",),
    allows_extra_columns=True,
    meaning="One row per lead, attributes as known when the lead was created.",
    columns=(
        Column("lead_id", STRING, nullable=False, meaning="unique lead identifier"),
        Column("created_at", TIMESTAMP, nullable=False, meaning="when the lead entered the CRM"),
        Column("channel", CATEGORY, meaning="acquisition channel (paid_search, referral, ...)"),
        Column("campaign", CATEGORY, required=False, meaning="campaign that produced the lead"),
        Column("country", CATEGORY, required=False, meaning="country (ISO code or name)"),
        Column("industry", CATEGORY, required=False, meaning="industry of the lead's company"),
        Column(
            "employees",
            FLOAT,
            required=False,
            min_value=0,
            meaning="company head count; negative values are quarantined",
        ),
        Column("job_title", STRING, required=False, meaning="free-text job title"),
        Column("email_domain", CATEGORY, required=False, meaning="domain of the e-mail address"),
        Column("has_phone", BOOLEAN, required=False, meaning="a phone number was given"),
    ),
)

ACTIVITIES = Table(
    name="activities",
    meaning="One row per tracked interaction of a lead (web, e-mail, events, sales).",
    columns=(
        Column("lead_id", STRING, nullable=False, meaning="lead the activity belongs to"),
        Column("occurred_at", TIMESTAMP, nullable=False, meaning="when it happened"),
        Column(
            "activity_type",
            CATEGORY,
            nullable=False,
            meaning="one of ACTIVITY_TYPES (extendable in params.yaml)",
        ),
        Column("detail", STRING, required=False, meaning="page or content id, if any"),
    ),
)

OUTCOMES = Table(
    name="outcomes",
    key=("lead_id",),
    meaning="How a lead was closed: converted (with deal value) or disqualified.",
    columns=(
        Column("lead_id", STRING, nullable=False, meaning="the closed lead"),
        Column("status", CATEGORY, nullable=False, meaning="converted or disqualified"),
        Column("closed_at", TIMESTAMP, nullable=False, meaning="when it was closed"),
        Column(
            "deal_value",
            FLOAT,
            required=False,
            min_value=0,
            meaning="value of the won deal (converted only)",
        ),
    ),
)

CHANNEL_COSTS = Table(
    name="channel_costs",
    key=("channel", "month"),
    meaning="Marketing spend per channel and month; spend / leads is the cost per lead.",
    columns=(
        Column("channel", CATEGORY, nullable=False, meaning="acquisition channel"),
        Column("month", MONTH, nullable=False, meaning="calendar month, YYYY-MM"),
        Column("spend", FLOAT, nullable=False, min_value=0, meaning="money spent"),
        Column("leads", INTEGER, required=False, min_value=0, meaning="leads bought that month"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (LEADS, ACTIVITIES, OUTCOMES, CHANNEL_COSTS)}

# Where ingest writes accepted rows (Parquet), relative to the project root.
INTERIM_DIR = "data/interim"
QUARANTINE_DIR = "data/quarantine"
GROUND_TRUTH_DIR = "data/ground_truth"


def interim_path(table: str, root: str = ".") -> str:
    return f"{root}/{INTERIM_DIR}/{table}.parquet"
