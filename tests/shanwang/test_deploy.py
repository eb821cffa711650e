"""The production configuration in deploy/: gunicorn's settings, the client address behind
nginx, the env file example, the beat lock's refusal without PostgreSQL, and uploads sent
by nginx. deploy/roundtrip.sh exercises the whole stack; these are the fast parts."""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "RUNTIME_DIRECTORY", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_runs_two_workers_per_core_plus_one_on_loopback(monkeypatch):
    config = gunicorn_settings(monkeypatch)
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["wsgi_app"] == "shanwang.wsgi:application"
    assert config["control_socket_disable"] is True


def test_gunicorn_bind_workers_and_control_socket_come_from_the_environment(monkeypatch):
    config = gunicorn_settings(
        monkeypatch,
        GUNICORN_BIND="127.0.0.1:8001, unix:/run/shanwang-web/web.sock",
        GUNICORN_WORKERS="3",
        RUNTIME_DIRECTORY="/run/shanwang-web",
    )
    assert config["bind"] == ["127.0.0.1:8001", "unix:/run/shanwang-web/web.sock"]
    assert config["workers"] == 3
    assert config["control_socket"] == "/run/shanwang-web/gunicorn.ctl"
    assert config["control_socket_disable"] is False


@pytest.mark.parametrize(("debug", "json_logs"), [("0", True), ("1", False)])
def test_gunicorn_logs_json_to_stdout_when_debug_is_off(monkeypatch, debug, json_logs):
    config = gunicorn_settings(monkeypatch, DJANGO_DEBUG=debug)
    assert ("logconfig_dict" in config) is json_logs
    if json_logs:
        handler = config["logconfig_dict"]["handlers"]["stdout"]
        assert handler["stream"] == "ext://sys.stdout"


def test_gunicorn_accepts_the_configuration():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--check-config",
            "-c",
            "deploy/gunicorn.conf.py",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "xm.shanwang.example",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def client_address(monkeypatch, peer: str, header: str | None) -> str:
    """Return the REMOTE_ADDR the app sees for a request from ``peer`` with X-Real-IP."""
    real_client_address = gunicorn_settings(monkeypatch)["RealClientAddress"]
    seen = {}

    def application(environ, start_response):
        seen["address"] = environ["REMOTE_ADDR"]
        return []

    environ = {"REMOTE_ADDR": peer}
    if header is not None:
        environ["HTTP_X_REAL_IP"] = header
    real_client_address(application, "127.0.0.1,::1")(environ, None)
    return seen["address"]


@pytest.mark.parametrize(
    ("peer", "header", "address"),
    [
        ("127.0.0.1", "10.3.4.5", "10.3.4.5"),  # nginx on this machine
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("::ffff:127.0.0.1", "10.3.4.5", "10.3.4.5"),  # a dual-stack socket
        ("", "10.3.4.5", "10.3.4.5"),  # a Unix socket
        ("10.9.9.9", "10.3.4.5", "10.9.9.9"),  # not our proxy: its header is not believed
        ("127.0.0.1", "10.3.4.5, 8.8.8.8", "127.0.0.1"),  # not one address
        ("127.0.0.1", None, "127.0.0.1"),
    ],
)
def test_the_app_sees_the_client_address_a_trusted_proxy_sends(monkeypatch, peer, header, address):
    assert client_address(monkeypatch, peer, header) == address


def variables_read_by(path: Path) -> set[str]:
    source = path.read_text(encoding="utf-8")
    calls = r"(?:env\.\w+|Env\(\)\.\w+|os\.environ\.get)\(\s*"
    return set(re.findall(calls + r'"([A-Z][A-Z0-9_]*)"', source))


def test_the_env_file_example_lists_every_variable_of_the_settings_and_gunicorn():
    example = (DEPLOY / "shanwang.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    settings_variables = variables_read_by(ROOT / "shanwang" / "settings.py")
    gunicorn_variables = variables_read_by(DEPLOY / "gunicorn.conf.py") - {"RUNTIME_DIRECTORY"}
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "SHANWANG_VAR_DIR"} <= settings_variables
    assert settings_variables - listed == set()
    assert gunicorn_variables - listed == set()


def test_the_beat_lock_refuses_to_run_without_postgresql(tmp_path):
    result = subprocess.run(
        [sys.executable, "deploy/single_beat.py", "--no-wait"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "The beat lock needs PostgreSQL" in result.stdout + result.stderr


@pytest.mark.django_db
def test_behind_nginx_an_upload_with_a_chinese_name_is_sent_by_x_accel_redirect(
    user_client, settings, tmp_path
):
    """The header is ASCII (percent-encoded), so nginx finds the file; Django alone
    would MIME-encode it and nginx would answer 404."""
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_PREFIX = "/protected-media/"
    photo = tmp_path / "reports" / "2026" / "11" / "现场照片.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff")
    response = user_client.get(reverse("media", args=["reports/2026/11/现场照片.jpg"]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == (
        "/protected-media/reports/2026/11/%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg"
    )
    assert response.content == b""
