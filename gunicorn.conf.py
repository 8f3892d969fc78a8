"""gunicorn settings for the desk (gunicorn reads ./gunicorn.conf.py, or `-c gunicorn.conf.py`).

    gunicorn -c gunicorn.conf.py

The access log leaves out personal data: the status API's `?email=`/`?phone=`, tracking and
survey links' tokens (ticketing/logs.py). Every setting can be overridden on the command line.
"""

import os

wsgi_app = "ticketing:create_app()"
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
#: the combined log format; %(r)s, %(q)s and %(f)s come out redacted from this logger class
logger_class = "ticketing.logs.AccessLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
# The client's address behind the office's reverse proxy is set by the app (TRUSTED_PROXIES,
# werkzeug's ProxyFix), so the rate limits see the citizen, not the proxy.
