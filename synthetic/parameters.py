"""The true parameters of the synthetic CRM world.

Everything the generator draws from is stated here, and the Bayes-limit filter reads the very
same numbers, so the ground-truth probabilities are exact for the data that is written.
Rates are per day; probabilities of a transition are per day (end of day d -> day d + 1).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- hidden buying process -------------------------------------------------------------------
AWARENESS, CONSIDERATION, EVALUATION, PURCHASE, COLD, CONVERTED, DISQUALIFIED = range(7)
STATES = (
    "awareness",
    "consideration",
    "evaluation",
    "purchase",
    "cold",
    "converted",
    "disqualified",
)
N_TRANSIENT = 5  # awareness .. cold; converted and disqualified absorb
N_STATES = len(STATES)

# Daily transition probability = base * exp(elasticity * fit), capped (see buying_process).
# A good fit moves a lead forward faster and makes it go cold or get disqualified less often.
TRANSITIONS: dict[tuple[int, int], tuple[float, float]] = {
    (AWARENESS, CONSIDERATION): (0.022, 0.33),
    (AWARENESS, COLD): (0.020, -0.21),
    (AWARENESS, DISQUALIFIED): (0.0015, -0.54),
    (CONSIDERATION, EVALUATION): (0.020, 0.33),
    (CONSIDERATION, AWARENESS): (0.004, 0.0),
    (CONSIDERATION, COLD): (0.014, -0.21),
    (CONSIDERATION, DISQUALIFIED): (0.0015, -0.54),
    (EVALUATION, PURCHASE): (0.022, 0.27),
    (EVALUATION, CONSIDERATION): (0.008, 0.0),
    (EVALUATION, COLD): (0.020, -0.21),
    (EVALUATION, DISQUALIFIED): (0.003, -0.36),
    (PURCHASE, CONVERTED): (0.035, 0.12),
    (PURCHASE, EVALUATION): (0.010, 0.0),
    (PURCHASE, COLD): (0.004, -0.18),
    (PURCHASE, DISQUALIFIED): (0.030, -0.30),
    # Cold leads rarely wake up and are eventually closed, so the open population stays bounded.
    (COLD, AWARENESS): (0.0025, 0.18),
    (COLD, DISQUALIFIED): (0.012, -0.12),
}
FIT_INTERCEPT = -1.2  # the average lead is a poor fit: most never buy
MAX_TRANSITION = 0.5  # one transition's daily probability never exceeds this
MAX_LEAVE = 0.9  # a row's off-diagonal sum is scaled down to this at most

# --- acquisition channels --------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    name: str
    share: float  # base share of arrivals
    share_trend: float  # log change of the share per year (budget shifts)
    fit: float  # lead quality in year one
    fit_year_two: float  # lead quality for leads created from month 13 on (drift)
    initial: tuple[float, ...]  # P(initial phase) over awareness .. cold
    cost_per_lead: float  # spend per lead in year one
    cost_per_lead_year_two: float
    fixed_monthly_spend: float  # spend that does not scale with leads (SEO team, ...)
    campaign_code: str | None  # None: leads of this channel carry no campaign
    campaign_themes: tuple[str, ...] = ()


CHANNELS: tuple[Channel, ...] = (
    Channel("paid_search", 0.22, 0.0, 0.20, 0.20, (0.55, 0.30, 0.12, 0.01, 0.02), 140, 150, 0,
            "ps", ("brand", "generic", "competitor-terms", "lead-scoring")),
    Channel("paid_social", 0.17, 0.45, -0.10, -0.55, (0.74, 0.18, 0.04, 0.00, 0.04), 70, 55, 0,
            "soc", ("linkedin-abm", "linkedin-lookalike", "facebook-retarget")),
    Channel("organic_search", 0.18, 0.0, 0.10, 0.10, (0.60, 0.28, 0.10, 0.00, 0.02), 0, 0, 6000,
            None),
    Channel("referral", 0.07, 0.0, 0.80, 0.80, (0.30, 0.35, 0.30, 0.05, 0.00), 40, 40, 0, None),
    Channel("webinar", 0.09, 0.10, 0.30, 0.30, (0.45, 0.40, 0.12, 0.00, 0.03), 90, 95, 0,
            "web", ("ai-scoring", "demand-gen-trends", "revops-101")),
    Channel("events", 0.07, 0.0, 0.20, 0.20, (0.50, 0.30, 0.15, 0.02, 0.03), 260, 270, 0,
            "evt", ("saastr", "dreamforce-booth", "local-meetup")),
    Channel("content_syndication", 0.13, -0.25, -0.50, -0.50, (0.70, 0.20, 0.03, 0.00, 0.07),
            45, 45, 0, "cs", ("techtarget", "g2-report", "whitepaper-network")),
    Channel("outbound", 0.07, 0.0, -0.20, -0.20, (0.60, 0.20, 0.10, 0.00, 0.10), 180, 190, 0,
            "sdr", ("q-sequence", "abm-tier1")),
)  # fmt: skip
CHANNEL_NAMES = tuple(c.name for c in CHANNELS)
SPEND_NOISE_SIGMA = 0.08  # month-to-month log noise of spend

# --- lead arrivals ---------------------------------------------------------------------------
WEEKDAY_FACTORS = (1.15, 1.20, 1.15, 1.10, 0.90, 0.30, 0.25)  # Monday .. Sunday
ANNUAL_GROWTH = 0.45  # arrivals grow by this share per year
DECEMBER_DIP = 0.8  # holiday season
CREATION_HOUR_MEAN = 13.0
CREATION_HOUR_SD = 3.5

# --- firmographics ---------------------------------------------------------------------------
# The true target industries equal params.yaml features.target_industries (tested).
TARGET_INDUSTRIES = (
    "software",
    "financial services",
    "healthcare",
    "manufacturing",
    "retail",
    "telecommunications",
)
OTHER_INDUSTRIES = (
    "education",
    "government",
    "non-profit",
    "hospitality",
    "agriculture",
    "construction",
    "media",
    "real estate",
    "transportation",
    "energy",
)
TARGET_INDUSTRY_SHARE = 0.55
INDUSTRY_FIT = {"target": 0.80, "other": -0.60, "missing": -0.10}

EMPLOYEE_LOG_MEAN = 4.1  # log head count: median ~60, heavy right tail
EMPLOYEE_LOG_SD = 1.7
EMPLOYEE_MAX = 400_000
EMPLOYEE_BAND_EDGES = (1, 11, 51, 201, 1001, 5001)  # lower edges of the bands
EMPLOYEE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+")
EMPLOYEE_BAND_FIT = {
    "1-10": -0.90,
    "11-50": -0.20,
    "51-200": 0.30,
    "201-1000": 0.60,
    "1001-5000": 0.70,
    "5001+": 0.40,
    "missing": -0.25,
}

SENIORITIES = ("c_level", "vp", "director", "manager", "individual", "intern", "student")
SENIORITY_SHARES = (0.05, 0.08, 0.14, 0.25, 0.35, 0.06, 0.07)
SENIORITY_FIT = {
    "c_level": 0.60,
    "vp": 0.80,
    "director": 0.70,
    "manager": 0.30,
    "individual": 0.0,
    "intern": -1.50,
    "student": -2.50,
    "unknown": -0.30,  # no job title given
}
# Canonical titles per seniority; firmographics renders messy variants of them.
TITLES: dict[str, tuple[str, ...]] = {
    "c_level": ("CMO", "Chief Marketing Officer", "CEO", "Chief Revenue Officer", "Founder & CEO",
                "COO", "CTO"),
    "vp": ("VP Marketing", "vp, marketing", "Vice President of Sales", "VP Demand Generation",
           "SVP Marketing", "VP of Growth", "V.P. Sales"),
    "director": ("Director of Marketing", "Dir. of Demand Gen", "Head of Growth",
                 "Marketing Director", "Head of Digital", "Sr. Director, Marketing Operations",
                 "Director Sales Ops"),
    "manager": ("Sr. Marketing Manager", "Marketing Manager", "Demand Generation Manager",
                "Growth Manager", "Marketing Ops Mgr", "Sales Manager",
                "Product Marketing Manager"),
    "individual": ("Marketing Specialist", "Content Marketer", "SDR", "Marketing Coordinator",
                   "Analyst", "Software Engineer", "Account Executive", "Data Analyst",
                   "Consultant"),
    "intern": ("Marketing Intern", "intern", "Sales Intern", "Summer Intern, Growth"),
    "student": ("student", "Student", "MBA Candidate", "PhD student", "Undergraduate"),
}  # fmt: skip
TITLE_MISSING_SHARE = 0.08

EMAIL_TYPES = ("corporate", "free_mail", "education", "competitor", "invalid", "missing")
EMAIL_FIT = {
    "corporate": 0.30,
    "free_mail": -0.50,
    "education": -1.50,
    "competitor": -5.00,
    "invalid": -0.40,
    "missing": -0.30,
}
# P(e-mail domain type) for working people and for students / interns.
EMAIL_TYPE_SHARES_WORKING = (0.76, 0.16, 0.005, 0.015, 0.02, 0.04)
EMAIL_TYPE_SHARES_STUDENT = (0.02, 0.35, 0.58, 0.0, 0.02, 0.03)
FREE_MAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com",
                     "icloud.com", "gmx.de", "web.de", "proton.me")  # fmt: skip
EDUCATION_DOMAINS = ("mit.edu", "stanford.edu", "nyu.edu", "umich.edu", "ox.ac.uk", "ucl.ac.uk",
                     "ed.ac.uk", "unimelb.edu.au", "iitb.ac.in", "student.uva.nl",
                     "student.tudelft.nl")  # fmt: skip
# Equal to params.yaml features.competitor_domains (tested).
COMPETITOR_DOMAINS = ("hubspot.com", "marketo.com", "salesforce.com", "pardot.com", "mautic.org")
INVALID_DOMAINS = ("n/a", "none", "gmailcom", "unknown", "-", "test")
COMPANY_WORDS_A = ("acme", "nova", "blue", "data", "cloud", "bright", "north", "apex", "quantum",
                   "green", "iron", "silver", "rapid", "clear", "prime", "vertex", "orbit", "delta",
                   "summit", "pixel")  # fmt: skip
COMPANY_WORDS_B = ("labs", "soft", "systems", "group", "works", "tech", "analytics", "health",
                   "bank", "retail", "logistics", "media", "energy", "solutions",
                   "partners")  # fmt: skip

COUNTRIES = ("US", "GB", "DE", "FR", "CA", "NL", "AU", "IN", "BR", "ES", "SE", "CH", "IE", "SG")
COUNTRY_SHARES = (0.34, 0.12, 0.12, 0.06, 0.05, 0.04, 0.04, 0.06, 0.03, 0.03, 0.03, 0.03, 0.03,
                  0.02)  # fmt: skip
COUNTRY_NAMES = {"US": "United States", "GB": "United Kingdom", "DE": "Germany"}
COUNTRY_NAME_SHARE = 0.12  # of US / GB / DE rows written as a name instead of the code
COUNTRY_TLD = {"GB": "co.uk", "DE": "de", "FR": "fr", "NL": "nl", "AU": "com.au", "ES": "es",
               "SE": "se", "CH": "ch", "IE": "ie", "IN": "in", "BR": "com.br",
               "SG": "sg"}  # fmt: skip

# Shares of missing values in the export (beyond title and e-mail, handled above).
MISSING_INDUSTRY = 0.12
MISSING_INDUSTRY_STUDENT = 0.60
MISSING_EMPLOYEES = 0.13
MISSING_EMPLOYEES_FREE_MAIL = 0.45
MISSING_COUNTRY = 0.05
MISSING_CAMPAIGN = 0.03
MISSING_HAS_PHONE = 0.06
PHONE_SHARE = {"events": 0.75, "outbound": 0.80, "referral": 0.55}
PHONE_SHARE_DEFAULT = 0.35

# --- deals -----------------------------------------------------------------------------------
# deal_value = exp(DEAL_LOG_BASE + DEAL_SIZE_ELASTICITY * log(employees / 50) + N(0, sd))
DEAL_LOG_BASE = 8.55
DEAL_SIZE_ELASTICITY = 0.30
DEAL_LOG_SD = 0.55
DEAL_MIN = 500.0

# --- activities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Emission:
    """One kind of tracked event: an activity type, its detail vocabulary and rates per phase."""

    activity_type: str
    rates: tuple[float, float, float, float, float]  # per day in awareness .. cold
    details: tuple[str, ...] = ()  # drawn uniformly; empty: detail is missing


BLOG_POSTS = tuple(
    f"/blog/{slug}"
    for slug in (
        "what-is-lead-scoring", "mql-vs-sql", "b2b-funnel-benchmarks", "email-subject-lines",
        "attribution-models", "demand-gen-playbook", "abm-basics", "marketing-ops-stack",
        "intent-data", "content-calendar", "webinar-tips", "seo-for-saas",
    )
)  # fmt: skip
PRODUCT_PAGES = ("/product", "/features/scoring", "/features/routing", "/integrations",
                 "/customers", "/security")  # fmt: skip
# The same activity type can come from different emissions: blog reading is early-phase
# behaviour, product pages and ROI material are late-phase behaviour.
EMISSIONS: tuple[Emission, ...] = (
    Emission("email_open", (0.25, 0.35, 0.38, 0.35, 0.12)),
    Emission("email_click", (0.048, 0.096, 0.13, 0.11, 0.023)),
    Emission("web_visit", (0.079, 0.095, 0.095, 0.079, 0.024), ("/", "/about", "/contact")),
    Emission("web_visit", (0.14, 0.14, 0.065, 0.033, 0.033), BLOG_POSTS),
    Emission("web_visit", (0.046, 0.12, 0.21, 0.15, 0.025), PRODUCT_PAGES),
    Emission("pricing_page_view", (0.023, 0.05, 0.15, 0.21, 0.019),
             ("/pricing", "/pricing/enterprise")),
    Emission("content_download", (0.037, 0.053, 0.021, 0.01, 0.0084),
             ("ebook-lead-scoring-101", "guide-b2b-funnel", "checklist-marketing-ops",
              "report-state-of-demand-gen")),
    Emission("content_download", (0.0082, 0.021, 0.053, 0.037, 0.0056),
             ("whitepaper-roi", "datasheet-platform", "case-study-saas", "roi-calculator",
              "whitepaper-security")),
    Emission("webinar_registered", (0.0088, 0.022, 0.018, 0.0072, 0.0037),
             ("webinar-ai-scoring", "webinar-demand-gen-trends", "webinar-revops-101")),
    Emission("webinar_attended", (0.0047, 0.014, 0.013, 0.0047, 0.002),
             ("webinar-ai-scoring", "webinar-demand-gen-trends", "webinar-revops-101")),
    Emission("form_submit", (0.0071, 0.0055, 0.0023, 0.0015, 0.0015), ("newsletter-signup",)),
    Emission("form_submit", (0.0045, 0.0096, 0.027, 0.035, 0.0035),
             ("contact-sales", "request-quote")),
    Emission("demo_request", (0.0039, 0.0066, 0.035, 0.035, 0.0035), ("/demo",)),
    Emission("trial_signup", (0.0023, 0.0051, 0.021, 0.018, 0.002), ("/trial",)),
    Emission("sales_call", (0.017, 0.023, 0.078, 0.21, 0.017)),
    Emission("meeting", (0.0087, 0.011, 0.04, 0.14, 0.0085)),
    Emission("unsubscribe", (0.0031, 0.002, 0.0012, 0.001, 0.01)),
    Emission("email_bounce", (0.0022, 0.0022, 0.0022, 0.0022, 0.0054)),
    Emission("careers_page_view", (0.0039, 0.0031, 0.002, 0.0015, 0.0071),
             ("/careers", "/careers/marketing-manager", "/careers/account-executive",
              "/careers/internships")),
)  # fmt: skip

ACTIVITY_HOUR_MEAN = 14.0  # activities happen in office hours ...
ACTIVITY_HOUR_SD = 3.5
ACTIVITY_OFFICE_SHARE = 0.75  # ... or at any time of day

# Per-lead multipliers of an activity type's rate that depend only on observable attributes
# (so they do not tell the phases apart, but they make negative signals realistic).
RATE_MULTIPLIERS: dict[str, dict[str, float]] = {
    "seniority:student": {"careers_page_view": 4.0, "demo_request": 0.3, "meeting": 0.3,
                          "sales_call": 0.5},
    "seniority:intern": {"careers_page_view": 3.0, "demo_request": 0.5, "meeting": 0.5},
    "email:invalid": {"email_open": 0.1, "email_click": 0.1, "email_bounce": 20.0},
    "email:missing": {"email_open": 0.3, "email_click": 0.3},
    "email:free_mail": {"email_bounce": 2.0},
    "email:competitor": {"pricing_page_view": 2.0, "demo_request": 0.2},
}  # fmt: skip
