"""The ground floor: plumbing every app shares, and that imports no app of the project.

PDF rendering, the mail outbox, the archive of fingerprinted files, Dutch money formatting,
CSV export, the admin base classes, the environment-settings helpers and the pilot-loader
framework live here. The apps (`contracts`, `projects`, `budget`) build on it; the site's own
pages in `wijkaanpak` sit on top of everything. `tests/test_architecture.py` enforces it.
"""
