"""Admin base classes and widgets every app builds on."""
