"""Seniority and job function from messy, real-looking job titles."""

from __future__ import annotations

import pytest

from features.job_titles import JOB_FUNCTIONS, SENIORITIES, job_function, seniority

# (title as exported, seniority, job function)
TITLES = [
    ("VP Marketing", "vp", "marketing"),
    ("vp, marketing", "vp", "marketing"),
    ("VP MARKETING", "vp", "marketing"),
    ("V.P. of Sales", "vp", "sales"),
    ("Vice-President, Sales", "vp", "sales"),
    ("SVP Marketing", "vp", "marketing"),
    ("Vice President of Sales", "vp", "sales"),
    ("Head of Growth", "director", "marketing"),
    ("head of digital", "director", "marketing"),
    ("Marketing Intern", "intern", "marketing"),
    ("Summer Intern, Growth", "intern", "marketing"),
    ("intern", "intern", "other"),
    ("student", "student", "academia"),
    ("PhD student", "student", "academia"),
    ("MBA Candidate", "student", "academia"),
    ("Undergraduate", "student", "academia"),
    ("CMO", "c_level", "marketing"),
    ("C.M.O.", "c_level", "marketing"),
    ("Chief Executive Officer", "c_level", "executive"),
    ("CEO", "c_level", "executive"),
    ("Founder & CEO", "c_level", "executive"),
    ("Co-Founder", "c_level", "executive"),
    ("Chief Revenue Officer", "c_level", "sales"),
    ("CFO", "c_level", "finance"),
    ("COO", "c_level", "operations"),
    ("CTO", "c_level", "engineering"),
    ("Owner", "c_level", "executive"),
    ("Managing Director", "c_level", "executive"),
    ("Geschäftsführer", "c_level", "executive"),
    ("Sr. Marketing Manager", "manager", "marketing"),
    ("Senior Marketing Manager", "manager", "marketing"),
    ("Marketing Ops Mgr", "manager", "marketing"),
    ("Product Marketing Manager", "manager", "marketing"),
    ("Dir. Demand Gen", "director", "marketing"),
    ("Dir. of Demand Gen", "director", "marketing"),
    ("Sr. Director, Marketing Operations", "director", "marketing"),
    ("Director Sales Ops", "director", "sales"),
    ("IT Manager", "manager", "it"),
    ("it manager", "manager", "it"),
    ("Software Engineer", "individual", "engineering"),
    ("Sr Software Engineer", "individual", "engineering"),
    ("Lecturer", "individual", "academia"),
    ("Professor of Economics", "individual", "academia"),
    ("Account Executive", "individual", "sales"),
    ("Account Manager", "manager", "sales"),
    ("SDR", "individual", "sales"),
    ("Marketing Coordinator", "individual", "marketing"),
    ("Content Marketer", "individual", "marketing"),
    ("Data Analyst", "individual", "other"),
    ("Consultant", "individual", "other"),
    ("HR Manager", "manager", "hr"),
    ("Recruiter", "individual", "hr"),
    ("Customer Success Manager", "manager", "customer_success"),
    ("Procurement Manager", "manager", "operations"),
    ("Product Owner", "individual", "product"),
    ("Chief of Staff", "director", "executive"),
    ("Executive Assistant to the CEO", "individual", "executive"),
    ("Team Lead, Sales", "manager", "sales"),
    ("General Manager", "director", "executive"),
    ("  marketing   director ", "director", "marketing"),
    ("n/a", "unknown", "unknown"),
    ("-", "unknown", "unknown"),
    ("", "unknown", "unknown"),
    (None, "unknown", "unknown"),
]


@pytest.mark.parametrize(("title", "expected_seniority", "expected_function"), TITLES)
def test_title_is_parsed(title, expected_seniority, expected_function):
    assert (seniority(title), job_function(title)) == (expected_seniority, expected_function)


def test_the_table_is_large_and_covers_every_seniority():
    assert len(TITLES) >= 40
    assert {s for _, s, _ in TITLES} == set(SENIORITIES)
    assert {f for *_, f in TITLES} <= set(JOB_FUNCTIONS)


def test_every_title_the_synthetic_crm_writes_gets_its_true_seniority():
    from synthetic.parameters import TITLES as GENERATED

    for level, titles in GENERATED.items():
        for title in titles:
            for variant in (title, title.upper(), title.lower()):
                assert seniority(variant) == level, variant
