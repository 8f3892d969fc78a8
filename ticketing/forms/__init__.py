"""WTForms forms; the API reuses them (Flask-WTF reads JSON bodies too)."""
