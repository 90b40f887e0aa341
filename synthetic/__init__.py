"""The embedded synthetic CRM: a generator with a known Bayes limit."""
