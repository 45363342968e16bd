# Models arrive with their own issue; the app exists so that the layering is in place.
