"""Blueprints: parse input, call a service, render."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import api, errors, public

    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    from . import admin, api_staff, auth, staff, staff_actions, staff_canned, staff_common

    for module in (auth, staff, staff_actions, staff_canned, admin, api_staff):
        app.register_blueprint(module.bp)
    from . import calendar_admin, supervisor

    app.register_blueprint(supervisor.bp)
    app.register_blueprint(calendar_admin.bp)
    from . import reports, survey, transparency  # issue 6: survey, evaluation, public stats

    for blueprint in (survey.bp, transparency.bp, transparency.api, reports.bp):
        app.register_blueprint(blueprint)
    from . import admin_mail  # issue 4: failed/set-aside inbound mail, routing rules

    app.register_blueprint(admin_mail.bp)
    staff_common.init_app(app)
    errors.init_app(app)
