"""Tests of the whole application: every route, security, the browser, load and faults."""
