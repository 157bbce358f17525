import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_checks_doc_is_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "checks_doc.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_no_framework_name_inside_a_check() -> None:
    names = ("flask", "bottle", "tornado", "django", "aiohttp", "starlette", "fastapi", "quart",
             "sanic", "falcon", "pyramid", "cherrypy", "twisted", "klein", "gevent", "eventlet",
             "litestar", "uvicorn", "gunicorn", "waitress", "werkzeug", "daphne", "hypercorn")
    for path in (ROOT / "conformance" / "checks").glob("*.py"):
        text = path.read_text().lower()
        assert [n for n in names if n in text] == [], path.name
