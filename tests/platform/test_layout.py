"""`platform/` holds the kernel but must never be a package shadowing the standard library."""

import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_standard_platform_module_works_inside_the_configured_project() -> None:
    import platform

    assert platform.system() == "Linux"
    assert Path(platform.__file__).parent == Path(sysconfig.get_paths()["stdlib"])
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_platform_is_not_shadowed_when_run_from_the_project_root() -> None:
    # manage.py, celery and gunicorn run with the project root as working directory.
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='coopilote.settings.test'; "
        "django.setup(); import platform, celery, sentry_sdk; print(platform.system())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "Linux"


def test_kernel_is_importable_as_coopilote() -> None:
    spec = importlib.util.find_spec("coopilote")
    assert spec is not None
    assert spec.origin is not None
    assert Path(spec.origin) == ROOT / "platform" / "coopilote" / "__init__.py"
