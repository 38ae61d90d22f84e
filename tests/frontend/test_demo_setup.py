"""`make demo`'s data: realistic cohorts of each programme, with their members, built through
the services and built once."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django_tenants.utils import tenant_context
from pytest_django.fixtures import Settings

from coopilote.accounts.models import Membership, Role, User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort, CohortTransition
from tenants.cohorts.rules import PROGRAMME_RULES, age_on
from tenants.people.models import (
    Committee,
    CommitteeSeat,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Guardian,
    Member,
)

# CAE slug → cohort name → (programme, status, members, of whom withdrawn, women, animateurs)
EXPECTED_COHORTS = {
    "sitelle": {
        "CJM de Saint-Avé": ("CJM", "closed", 10, 1, 5, ["animation1@sitelle.localhost"]),
        "Ker Coop (Kercado)": ("CT", "closed", 9, 1, 8, ["animation2@sitelle.localhost"]),
        "La Belle Coop": ("CT", "closed", 13, 2, 9, ["animation2@sitelle.localhost"]),
    },
    "lorient": {
        "CJS de Lorient": (
            "CJS",
            "closed",
            12,
            1,
            6,
            ["animation1@lorient.localhost", "animation2@lorient.localhost"],
        ),
        "CJM de Lorient 2026-2027": ("CJM", "running", 8, 0, 4, ["animation1@lorient.localhost"]),
    },
}
TENANT_MODELS = (Cohort, CohortTransition, Member, Guardian, Enrolment, Committee, CommitteeSeat)


def _demo_setup() -> str:
    output = StringIO()
    call_command("demo_setup", stdout=output)
    return output.getvalue()


def _row_counts() -> dict[str, int]:
    counts = {"accounts": User.objects.count(), "memberships": Membership.objects.count()}
    for slug in EXPECTED_COHORTS:
        with tenant_context(Cae.objects.get(slug=slug)):
            for model in TENANT_MODELS:
                counts[f"{slug}.{model._meta.label}"] = model.objects.count()
    return counts


def _stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def test_demo_setup_builds_realistic_cohorts_once(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    # Given uploaded files kept out of the data directory (a fresh storage sees the new root)
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES}

    # When the demo is set up twice
    first_output = _demo_setup()
    counts_after_first_run = _row_counts()
    files_after_first_run = _stored_files(tmp_path)
    second_output = _demo_setup()

    # Then the second run changed nothing and said the same
    assert _row_counts() == counts_after_first_run
    assert _stored_files(tmp_path) == files_after_first_run
    assert second_output == first_output
    assert (
        "  - CAE Sitelle (Vannes) : CJM de Saint-Avé (CJM, terminée, 10 coopérant·es, dont 1 "
        "sorti·e) ; Ker Coop (Kercado) (CT, terminée, 9 coopérant·es, dont 1 sorti·e) ; "
        "La Belle Coop (CT, terminée, 13 coopérant·es, dont 2 sorti·es)\n"
    ) in first_output
    assert (
        "  - CAE de Lorient : CJS de Lorient (CJS, terminée, 12 coopérant·es, dont 1 sorti·e) ; "
        "CJM de Lorient 2026-2027 (CJM, en activité, 8 coopérant·es)\n"
    ) in first_output
    assert "  - animation2@lorient.localhost\n" in first_output

    # And each cohort has its programme, status, members and animateurs
    staff = User.objects.get(email="accompagnement@sitelle.localhost")
    for slug, expected_cohorts in EXPECTED_COHORTS.items():
        cae = Cae.objects.get(slug=slug)
        with tenant_context(cae):
            assert sorted(Cohort.objects.values_list("name", flat=True)) == sorted(expected_cohorts)
            for name, expected in expected_cohorts.items():
                programme, status, members, withdrawn, women, animateurs = expected
                cohort = Cohort.objects.get(name=name)
                enrolments = Enrolment.objects.filter(cohort=cohort).select_related("member")
                assert (cohort.programme, cohort.status) == (programme, status)
                assert enrolments.count() == members
                assert enrolments.filter(status=EnrolmentStatus.WITHDRAWN).count() == withdrawn
                assert enrolments.filter(member__gender=Gender.FEMALE).count() == women
                rule = PROGRAMME_RULES[cohort.programme]
                for enrolment in enrolments:
                    age = age_on(enrolment.member.birth_date, cohort.starts_on)
                    assert rule.accepts_age(age), (name, enrolment.member.first_name, age)
                assert sorted(
                    Membership.objects.active()
                    .filter(cae=cae, role=Role.ANIMATEUR, cohort_id=cohort.pk)
                    .values_list("user__email", flat=True)
                ) == sorted(animateurs)
                assert sorted(cohort.committees.values_list("kind", flat=True)) == [
                    "finance",
                    "hr",
                    "marketing",
                ]
                # One seat each from the start, then one rotation for those still there
                seats = CommitteeSeat.objects.filter(committee__cohort=cohort)
                assert seats.count() == 2 * members - withdrawn
                assert seats.filter(ends_on__isnull=True).count() == members - withdrawn
                if status == "closed":
                    assert list(cohort.transitions.values_list("to_status", flat=True)) == [
                        "recruiting",
                        "running",
                        "closed",
                    ]
                    assert enrolments.exclude(outcome="").count() > members // 2
                else:
                    assert not enrolments.exclude(outcome="").exists()
                if slug == "sitelle":
                    assert cohort.staff_in_charge == staff

            # And every minor has a guardian with a signed authorisation on file (a real PDF)
            for enrolment in Enrolment.objects.filter(cohort__programme="CJS").select_related(
                "member", "cohort"
            ):
                if age_on(enrolment.member.birth_date, enrolment.cohort.starts_on) >= 18:
                    continue
                (guardian,) = enrolment.member.guardians.all()
                with guardian.authorisation_file.open("rb") as authorisation:
                    assert authorisation.read().startswith(b"%PDF-1.4\n")

    with tenant_context(Cae.objects.get(slug="lorient")):
        assert Guardian.objects.count() == 10
    with tenant_context(Cae.objects.get(slug="sitelle")):
        ker_coop = Cohort.objects.get(name="Ker Coop (Kercado)")
        assert (ker_coop.territory_kind, ker_coop.territory_name, ker_coop.qpv_code) == (
            "qpv",
            "Kercado",
            "QN05601M",
        )
        assert not Guardian.objects.exists()
    assert len(files_after_first_run) == 10

    # And the national coordinator sees the network without any role in a CAE
    coordinator = User.objects.get(email="coordination@coopilote.localhost")
    assert coordinator.is_coordinator
    assert not Membership.objects.filter(user=coordinator).exists()
