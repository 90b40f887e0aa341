"""Nightly batch scoring: the CRM import file, reasons, drift, control group, safe writes."""
