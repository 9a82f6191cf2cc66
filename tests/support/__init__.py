"""Helpers shared by the tests (not tests themselves): paths, model parameters, comparisons."""
