"""Tests of the intranet package: the SOP, its services, its rules and its pages."""
