"""Seniority and job function from messy free-text job titles.

CRM titles come as "VP Marketing", "vp, marketing", "V.P. of Sales", "Sr. Marketing Manager",
"Dir. Demand Gen" or "student". A title is normalised (lower case, punctuation to spaces,
abbreviations expanded) and then matched against ordered word rules: the first rule that
matches decides, so "Marketing Intern" is an intern and "Vice President" is not a president.
"""

from __future__ import annotations

import functools
import re
import unicodedata

SENIORITIES: tuple[str, ...] = (
    "c_level",
    "vp",
    "director",
    "manager",
    "individual",
    "intern",
    "student",
    "unknown",
)
JOB_FUNCTIONS: tuple[str, ...] = (
    "academia",
    "marketing",
    "sales",
    "customer_success",
    "it",
    "engineering",
    "product",
    "finance",
    "hr",
    "operations",
    "executive",
    "other",
    "unknown",
)

# Values that mean "no title given" in CRM exports.
PLACEHOLDERS = frozenset({"", "-", "--", "n a", "na", "none", "null", "unknown", "select", "tbd"})

# Whole-word abbreviations, applied after punctuation became spaces ("V.P." -> "v p" -> "vp").
ABBREVIATIONS: dict[str, str] = {
    "v p": "vp",
    "s v p": "svp",
    "e v p": "evp",
    "vice president": "vp",
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "dir": "director",
    "mgr": "manager",
    "mngr": "manager",
    "mktg": "marketing",
    "mkt": "marketing",
    "gen": "generation",
    "ops": "operations",
    "eng": "engineering",
    "engr": "engineer",
    "dev": "developer",
    "exec": "executive",
    "asst": "assistant",
    "acct": "account",
    "biz": "business",
    "bizdev": "business development",
    "bd": "business development",
    "ceo": "chief executive officer",
    "cfo": "chief financial officer",
    "cmo": "chief marketing officer",
    "cto": "chief technology officer",
    "cio": "chief information officer",
    "coo": "chief operating officer",
    "cro": "chief revenue officer",
    "cso": "chief sales officer",
    "cpo": "chief product officer",
    "chro": "chief human resources officer",
    "cdo": "chief digital officer",
    "md": "managing director",
    "gm": "general manager",
    "cofounder": "co founder",
    "phd": "doctoral",
    "pres": "president",
    "hr": "human resources",
    "it": "information technology",
}

# (category, pattern) in priority order; patterns match the normalised title.
SENIORITY_RULES: tuple[tuple[str, str], ...] = (
    ("individual", r"^(executive )?assistant to\b|^personal assistant\b|\bproduct owner\b"),
    ("vp", r"\b(vp|svp|evp|avp)\b"),
    ("director", r"\bchief of staff\b"),
    ("c_level", r"\bchief \w+( \w+)? officer\b|\bchief executive\b|\bfounder\b|\bowner\b"),
    ("c_level", r"\bpresident\b|\bmanaging (director|partner)\b|\bproprietor\b"),
    ("c_level", r"\bgeschaftsfuhrer\b|\binhaber\b"),
    ("director", r"\bdirector\b|\bhead\b|\bgeneral manager\b|\bdirecteur\b"),
    ("manager", r"\bmanager\b|\bsupervisor\b|\bteam lead(er)?\b|\bforeman\b|\bleiter\b"),
    ("intern", r"\bintern(ship)?\b|\btrainee\b|\bapprentice\b|\bwerkstudent\b"),
    ("student", r"\bstudent\b|\bundergraduate\b|\b(doctoral|mba) candidate\b|\bpupil\b"),
)

FUNCTION_RULES: tuple[tuple[str, str], ...] = (
    (
        "academia",
        r"\bstudent\b|\blecturer\b|\bprofessor\b|\bteacher\b|\bresearcher\b|\bdoctoral\b"
        r"|\bpostdoc\b|\bacademic\b|\bfaculty\b|\btutor\b|\bundergraduate\b|\bpupil\b"
        r"|\bmba candidate\b",
    ),
    (
        "marketing",
        r"\bmarketing\b|\bchief marketing\b|\bgrowth\b|\bdemand generation\b|\bbrand\b"
        r"|\bcontent\b|\bseo\b|\bsem\b|\bcommunications?\b|\bpr\b|\bsocial media\b"
        r"|\bcampaigns?\b|\bdigital\b|\bevents?\b|\bcopywriter\b",
    ),
    (
        "sales",
        r"\bsales\b|\bchief revenue\b|\brevenue\b|\baccount (executive|manager|director)\b"
        r"|\bbusiness development\b|\bbdr\b|\bsdr\b|\bcommercial\b|\bpartnerships?\b",
    ),
    ("customer_success", r"\bcustomer\b|\bsupport\b|\bclient services?\b|\bhelp ?desk\b"),
    (
        "it",
        r"\binformation technology\b|\bchief information\b|\bsystems? administrator\b"
        r"|\bsysadmin\b|\bnetwork\b|\binfrastructure\b|\bsecurity\b",
    ),
    (
        "engineering",
        r"\bengineer(ing)?\b|\bchief technology\b|\bdeveloper\b|\bsoftware\b|\bprogrammer\b"
        r"|\bdevops\b|\bdata scien\w*\b|\barchitect\b|\btechnical\b",
    ),
    ("product", r"\bproduct\b|\bux\b|\bdesigner\b"),
    (
        "finance",
        r"\bfinanc\w*\b|\baccount(ant|ing)\b|\bcontroller\b|\btreasur\w*\b|\baudit\w*\b"
        r"|\bbookkeep\w*\b",
    ),
    ("hr", r"\bhuman resources\b|\bpeople\b|\btalent\b|\brecruit\w*\b"),
    (
        "operations",
        r"\boperations\b|\bchief operating\b|\blogistics\b|\bsupply chain\b|\bprocurement\b"
        r"|\bpurchasing\b|\bfacilit\w*\b",
    ),
    (
        "executive",
        r"\bchief executive\b|\bfounder\b|\bowner\b|\bpresident\b|\bmanaging director\b"
        r"|\bgeneral manager\b|\bchief of staff\b|\bmanaging partner\b|\bproprietor\b"
        r"|\bgeschaftsfuhrer\b|\binhaber\b",
    ),
)

_ABBREVIATION_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")\b"
)
_DOTTED = re.compile(r"\b[a-z](\.[a-z])+\b\.?")
_SENIORITY_RES = tuple((name, re.compile(p)) for name, p in SENIORITY_RULES)
_FUNCTION_RES = tuple((name, re.compile(p)) for name, p in FUNCTION_RULES)


@functools.lru_cache(maxsize=65536)
def normalise_title(title: object) -> str:
    """Lower case, '&' to 'and', punctuation to single spaces, abbreviations expanded."""
    if not isinstance(title, str):
        return ""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("'", "")
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)  # "c.m.o." -> "cmo"
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return _ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)


def seniority(title: object) -> str:
    """One of SENIORITIES for a free-text job title."""
    text = normalise_title(title)
    if text in PLACEHOLDERS:
        return "unknown"
    return next((name for name, rule in _SENIORITY_RES if rule.search(text)), "individual")


def job_function(title: object) -> str:
    """One of JOB_FUNCTIONS for a free-text job title."""
    text = normalise_title(title)
    if text in PLACEHOLDERS:
        return "unknown"
    return next((name for name, rule in _FUNCTION_RES if rule.search(text)), "other")
