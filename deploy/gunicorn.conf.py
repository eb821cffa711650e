"""gunicorn settings for the Shanwang web service, every one overridable from the environment.

    gunicorn -c deploy/gunicorn.conf.py      (from the project directory)

gunicorn listens on loopback behind nginx, which ends TLS, serves /static/ and the
protected uploads, and passes the client's address in X-Real-IP. Settings reference:
https://docs.gunicorn.org/en/stable/settings.html
"""

import contextlib
import ipaddress
import os

from gunicorn.glogging import Logger

from shanwang.log_redaction import RedactSecrets


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _cores() -> int:
    """Return the CPUs this process may run on (respects taskset and systemd's CPUAffinity)."""
    return len(os.sched_getaffinity(0))


wsgi_app = "shanwang.wsgi:application"
proc_name = "shanwang-web"

# GUNICORN_BIND takes one address or several, comma-separated (e.g. "unix:/run/shanwang/web.sock").
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
# Sync workers, the usual 2 × cores + 1: nginx buffers slow clients, so a worker is busy
# only while Django computes the page.
workers = _env_int("GUNICORN_WORKERS", 2 * _cores() + 1)
threads = _env_int("GUNICORN_THREADS", 1)
# Long enough for a 10,000-row import or export, which run inside the request.
timeout = _env_int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that no slow leak builds up over months.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Worker heartbeats on tmpfs, so a slow disk cannot make a healthy worker look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicornc's control socket: under systemd's RuntimeDirectory (/run/shanwang-web), or none,
# rather than one shared $HOME/.gunicorn/gunicorn.ctl for every gunicorn of the user.
_runtime_directory = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or (
    f"{_runtime_directory}/gunicorn.ctl" if _runtime_directory else ""
)
control_socket_disable = not control_socket

# Proxies trusted for X-Forwarded-Proto (gunicorn) and X-Real-IP (below): nginx on this host.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs: to the console, for systemd's journal. As in shanwang/settings.py, LOG_FORMAT=json
# (the default when DJANGO_DEBUG is off) makes every line one JSON object on stdout,
# gunicorn's own and its access log included.
accesslog = "-"
errorlog = "-"
_debug = os.environ.get("DJANGO_DEBUG", "1").lower() in {"1", "true", "yes", "y", "on", "ok"}
if os.environ.get("LOG_FORMAT", "plain" if _debug else "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "shanwang.jsonlog.JsonLineFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": "INFO", "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets in URLs (calendar-feed keys) masked in its request
    lines, in plain and JSON logs alike (shanwang/log_redaction.py)."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(RedactSecrets())


logger_class = RedactingLogger


class RealClientAddress:
    """Set REMOTE_ADDR to the client's address that a trusted proxy sends in X-Real-IP.

    Behind nginx every request comes from 127.0.0.1; the audit log and the log-in lockout
    read REMOTE_ADDR (shanwang/audit.py) and must see the town office's address instead.
    The header counts only from a trusted proxy, which overwrites whatever the client sent;
    from anyone else it is ignored. A Unix-socket peer (no address) is the local nginx.
    """

    def __init__(self, application, trusted: str):
        self.application = application
        self.trust_all = trusted.strip() == "*"
        self.trusted = [
            ipaddress.ip_network(item.strip(), strict=False)
            for item in trusted.split(",")
            if item.strip() and item.strip() != "*"
        ]

    def __call__(self, environ, start_response):
        real = environ.get("HTTP_X_REAL_IP", "").strip()
        if real and self.is_trusted(environ.get("REMOTE_ADDR", "")):
            with contextlib.suppress(ValueError):  # not an address: keep the proxy's own
                environ["REMOTE_ADDR"] = str(ipaddress.ip_address(real))
        return self.application(environ, start_response)

    def is_trusted(self, peer: str) -> bool:
        if self.trust_all:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return True  # a Unix socket: only local processes with access can connect
        address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:127.0.0.1
        return any(address in network for network in self.trusted)


def post_worker_init(worker):
    """Wrap the Django application of each worker in RealClientAddress."""
    worker.wsgi = RealClientAddress(worker.wsgi, forwarded_allow_ips)
