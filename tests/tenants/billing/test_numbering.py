"""Invoice numbers: from the CAE's template, chronological, without gaps, under concurrency."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections, transaction
from django_tenants.utils import tenant_context

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.billing.models import NumberCounter
from tenants.billing.numbering import CREDIT_NOTE, INVOICE, number_assign, template_errors
from tenants.billing.services import numbering_settings_get, numbering_settings_update

D = datetime.date


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("F{YYYY}", "exactement un compteur"),
        ("F{SEQ}-{SEQYEAR}", "exactement un compteur"),
        ("F {SEQ}", "que des lettres"),
        ("F-{SEQYEAR:4}", "demande l'année"),
        ("F{YYYY}-{SEQCOHORTYEAR}", "demande {COHORT}"),
    ],
)
def test_bad_templates_are_explained(template: str, problem: str) -> None:
    assert problem in " ".join(template_errors(template))


def test_good_templates_pass() -> None:
    for template in ("F{YYYY}-{SEQYEAR:5}", "{COHORT}/{YY}/{SEQCOHORTYEAR:3}", "FAC{SEQ:6}"):
        assert template_errors(template) == []


def test_numbers_follow_the_template_and_its_sequence(in_alpha: Cae) -> None:
    with transaction.atomic():
        numbers = [
            number_assign(template="F{YYYY}-{SEQYEAR:5}", kind=INVOICE, issued_on=D(2031, 3, 1)),
            number_assign(template="F{YYYY}-{SEQYEAR:5}", kind=INVOICE, issued_on=D(2031, 3, 2)),
            number_assign(template="F{YYYY}-{SEQYEAR:5}", kind=INVOICE, issued_on=D(2032, 1, 2)),
            number_assign(
                template="A{YYYY}-{SEQYEAR:5}", kind=CREDIT_NOTE, issued_on=D(2031, 3, 2)
            ),
            number_assign(
                template="{COHORT}-{YY}-{SEQCOHORTYEAR:3}",
                kind=INVOICE,
                issued_on=D(2031, 3, 2),
                cohort_code="kercado",
            ),
            number_assign(
                template="{COHORT}-{YY}-{SEQCOHORTYEAR:3}",
                kind=INVOICE,
                issued_on=D(2031, 3, 2),
                cohort_code="belle-coop",
            ),
        ]

    assert numbers == [
        "F2031-00001",
        "F2031-00002",
        "F2032-00001",
        "A2031-00001",
        "KERCADO-31-001",
        "BELLE-COOP-31-001",
    ]


def test_a_cohort_template_needs_a_cohort_code(in_alpha: Cae) -> None:
    with pytest.raises(ApplicationError, match="code analytique"), transaction.atomic():
        number_assign(template="{COHORT}-{SEQCOHORT}", kind=INVOICE, issued_on=D(2031, 1, 1))


@pytest.fixture
def committed_alpha(django_db_blocker: Any) -> Iterator[Cae]:
    """Real commits from several threads (each its own connection); counters removed after."""
    with django_db_blocker.unblock():
        cae = Cae.objects.get(slug="alpha")
        yield cae
        with tenant_context(cae):
            NumberCounter.objects.filter(key__contains="2090").delete()


def _issue_in_parallel(cae: Cae, count: int, *, fail_every: int = 0) -> list[str]:
    """`count` threads issue at once; every `fail_every`-th rolls back after taking its number."""
    committed: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def issue(index: int) -> None:
        try:
            with tenant_context(cae):
                start.wait()
                try:
                    with transaction.atomic():
                        number = number_assign(
                            template="F{YYYY}-{SEQYEAR:4}", kind=INVOICE, issued_on=D(2090, 6, 1)
                        )
                        time.sleep(0.01)  # hold the lock while the others queue
                        if fail_every and index % fail_every == 0:
                            raise RuntimeError("the issue failed after taking its number")
                    with lock:
                        committed.append(number)
                except RuntimeError:
                    pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return committed


def test_twenty_parallel_issues_get_numbers_1_to_20(committed_alpha: Cae) -> None:
    numbers = _issue_in_parallel(committed_alpha, 20)

    assert sorted(numbers) == [f"F2090-{value:04d}" for value in range(1, 21)]


def test_rolled_back_issues_leave_no_gap(committed_alpha: Cae) -> None:
    numbers = _issue_in_parallel(committed_alpha, 30, fail_every=3)  # 10 of 30 roll back

    assert sorted(numbers) == [f"F2090-{value:04d}" for value in range(1, 21)]
    with tenant_context(committed_alpha):
        assert NumberCounter.objects.get(key="invoice:SEQYEAR:2090").last_value == 20


def test_a_number_is_only_taken_inside_the_issuing_transaction(committed_alpha: Cae) -> None:
    with tenant_context(committed_alpha), pytest.raises(RuntimeError, match="inside the"):
        number_assign(template="F{YYYY}-{SEQYEAR}", kind=INVOICE, issued_on=D(2090, 1, 1))

    with tenant_context(committed_alpha):
        assert not NumberCounter.objects.filter(key__contains="2090").exists()


def test_the_cae_configures_its_templates(in_alpha: Cae) -> None:
    assert numbering_settings_get().invoice_template == "F{YYYY}-{SEQYEAR:5}"

    with pytest.raises(ApplicationError) as refusal:
        numbering_settings_update(invoice_template="F{YYYY}", credit_note_template="F{SEQ}")

    assert set(refusal.value.details) == {"invoice_template", "credit_note_template"}
    assert numbering_settings_get().invoice_template == "F{YYYY}-{SEQYEAR:5}"
    updated = numbering_settings_update(
        invoice_template="{COHORT}-{YY}-{SEQCOHORTYEAR:3}", credit_note_template="AV{SEQ:5}"
    )
    assert (updated.invoice_template, updated.credit_note_template) == (
        "{COHORT}-{YY}-{SEQCOHORTYEAR:3}",
        "AV{SEQ:5}",
    )
