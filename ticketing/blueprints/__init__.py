"""Blueprints: parse input, call a service, render."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import api, errors, public

    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    errors.init_app(app)
