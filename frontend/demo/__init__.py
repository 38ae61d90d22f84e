"""The demo network that `make demo` loads (`manage.py demo_setup`): its plan and builders."""
