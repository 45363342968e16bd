"""Views of the fund: `account` (the public account) and `apply` (the residents' form)."""
