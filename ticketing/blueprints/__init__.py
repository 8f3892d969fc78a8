"""Blueprints: parse input, call a service, render."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (
        admin,
        admin_catalogue,
        admin_mail,
        admin_outbox,
        admin_privacy,
        admin_whatsapp,
        api,
        api_staff,
        auth,
        calendar_admin,
        errors,
        followup,
        health,
        public,
        reports,
        site,
        staff,
        staff_actions,
        staff_bulk,
        staff_canned,
        staff_common,
        staff_notify,
        supervisor,
        survey,
        textfilters,
        transparency,
        whatsapp_webhook,
    )

    for blueprint in (
        public.bp, api.bp, health.bp,                        # citizens and integrations
        site.bp,                                             # robots.txt, sitemap, icon
        auth.bp, staff.bp, staff_actions.bp, staff_canned.bp, api_staff.bp,  # staff
        staff_notify.bp, staff_bulk.bp,
        supervisor.bp, reports.bp, followup.bp,              # supervisors
        admin.bp, admin_catalogue.bp, calendar_admin.bp, admin_mail.bp,  # admin
        admin_outbox.bp, admin_privacy.bp,
        survey.bp, transparency.bp, transparency.api,        # satisfaction and openness
        whatsapp_webhook.bp, admin_whatsapp.bp,              # the WhatsApp channel
    ):
        app.register_blueprint(blueprint)
    from . import devmail

    if devmail.enabled(app):  # development only: the mail `make run` caught
        app.register_blueprint(devmail.bp)
        app.jinja_env.globals["dev_mail_page"] = True
    staff_common.init_app(app)
    textfilters.init_app(app)
    errors.init_app(app)
