"""Estimators, baselines, calibration, evaluation, economics and explanations."""
