"""Public pages and documents of the contract domain."""
