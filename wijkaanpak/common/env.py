"""Reading settings from the environment, refusing values that cannot be meant."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, *, default: str) -> str:
    """The variable's value with surrounding white space removed, or the default."""
    value = os.environ.get(name)
    return default if value is None else value.strip()


def env_bool(name: str, *, default: bool) -> bool:
    """A yes/no variable; anything but a clear yes or no is refused."""
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, *, default: int) -> int:
    """A whole, non-negative number."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < 0:
        raise ImproperlyConfigured(f"{name} must not be negative.")
    return number


def env_list(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list; empty items are dropped."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


class SettingPath(os.PathLike):
    """A path setting that is always the current value of another one: SENDFILE_ROOT is
    MEDIA_ROOT, also where MEDIA_ROOT is changed after start-up (the tests give each test its
    own folder)."""

    def __init__(self, name: str):
        self.name = name

    def __fspath__(self) -> str:
        from django.conf import settings

        return os.fspath(getattr(settings, self.name))

    def __repr__(self) -> str:
        return f"SettingPath({self.name!r})"
