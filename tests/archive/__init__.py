"""Tests of the archive package: records, berkas, search, export, crash safety."""
