"""Run the app as a separate web worker process for tests: python -m tests.support.serve PORT."""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from ticketing import create_app
from ticketing.config import TestConfig


def main() -> None:
    port = int(sys.argv[1])
    # DATABASE_URL, RATELIMIT_* etc. come from the environment through Config.
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["RATELIMIT_ENABLED"] = True
    app = create_app(config)
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
