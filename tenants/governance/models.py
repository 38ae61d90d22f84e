"""How a cohort decides together, one member one vote: its meetings, the proposals it votes
on, the ballots, and the decision log.

When a vote opens, the members enrolled in the cohort at that moment form its electorate (a
snapshot: a member who withdraws later keeps their vote, one who joins later has none). A
member votes once (unique constraints). On a secret ballot the choice is stored without the
voter: a `Ballot` with no member and a random id, and beside it a `Participation` that says
who voted but not what. Closing writes a `Decision`; ballots, participations, the electorate
and decisions are append-only (database triggers). See docs/governance.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.cohorts.models import Cohort


class MeetingKind(models.TextChoices):
    ASSEMBLY = "assembly", _("Assemblée")
    COMMITTEE = "committee", _("Réunion de comité")


class ProposalKind(models.TextChoices):
    YES_NO = "yes_no", _("Pour / contre / abstention")
    OPTIONS = "options", _("Plusieurs choix")


class MajorityRule(models.TextChoices):
    SIMPLE = "simple", _("Majorité simple (plus de la moitié des suffrages exprimés)")
    TWO_THIRDS = "two_thirds", _("Majorité des deux tiers des suffrages exprimés")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Vote ouvert")
    CLOSED = "closed", _("Vote clos")


def _append_only(model_name: str) -> pgtrigger.Protect:
    return pgtrigger.Protect(
        name=f"{model_name}_is_append_only", operation=pgtrigger.Update | pgtrigger.Delete
    )


# A secret vote's ballot names no member; an open vote's ballot names its voter.
_BALLOT_MATCHES_SECRECY = (
    "EXECUTE format('SELECT secret FROM %I.governance_proposal WHERE id = $1', "
    "TG_TABLE_SCHEMA) INTO is_secret USING NEW.proposal_id; "
    "IF is_secret AND NEW.member_id IS NOT NULL THEN "
    "RAISE EXCEPTION 'Coopilote: a secret ballot names no voter' USING ERRCODE = '23514'; "
    "END IF; "
    "IF NOT is_secret AND NEW.member_id IS NULL THEN "
    "RAISE EXCEPTION 'Coopilote: an open ballot names its voter' USING ERRCODE = '23514'; "
    "END IF; "
    "RETURN NEW;"
)


class Meeting(models.Model):
    """An assemblée of the cohort or a meeting of one of its committees."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("coopérative")
    )
    kind = models.CharField(_("type"), max_length=9, choices=MeetingKind.choices)
    committee = models.ForeignKey(
        "people.Committee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("comité"),
    )
    held_on = models.DateField(_("date"))
    agenda = models.TextField(_("ordre du jour"))
    minutes = models.TextField(_("compte rendu"), blank=True)
    attendees = models.ManyToManyField(
        "people.Member",
        through="Attendance",
        related_name="meetings_attended",
        verbose_name=_("présent·es"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=MeetingKind.COMMITTEE, committee__isnull=False)
                | models.Q(kind=MeetingKind.ASSEMBLY, committee__isnull=True),
                name="governance_meeting_committee_iff_committee_meeting",
                violation_error_message=_(
                    "Une réunion de comité indique son comité ; une assemblée n'en a pas."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], name="governance_attendance_once_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.member_id}"


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def in_cohorts(self, cohort_ids: Iterable[int]) -> ProposalQuerySet:
        return self.filter(cohort_id__in=cohort_ids)

    def open(self) -> ProposalQuerySet:
        return self.filter(status=ProposalStatus.OPEN)


class Proposal(models.Model):
    """A question put to the cohort's vote, with its options and its rules."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("coopérative")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("réunion"),
    )
    question = models.CharField(_("question"), max_length=300)
    details = models.TextField(_("précisions"), blank=True)
    kind = models.CharField(_("type de vote"), max_length=7, choices=ProposalKind.choices)
    secret = models.BooleanField(_("vote à bulletin secret"), default=False)
    # Share of the electorate (members enrolled when the vote opens) who must take part,
    # abstentions included.
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), default=50)
    majority_rule = models.CharField(
        _("majorité requise"),
        max_length=10,
        choices=MajorityRule.choices,
        default=MajorityRule.SIMPLE,
    )
    status = models.CharField(
        _("statut"), max_length=6, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("vote ouvert le"), null=True, blank=True)
    closes_at = models.DateTimeField(_("clôture du vote"))
    closed_at = models.DateTimeField(_("vote clos le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+"
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quorum_percent__lte=100),
                name="governance_proposal_quorum_is_a_percentage",
                violation_error_message=_("Le quorum est compris entre 0 et 100 %."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=ProposalStatus.DRAFT, opens_at__isnull=True)
                | (~models.Q(status=ProposalStatus.DRAFT) & models.Q(opens_at__isnull=False)),
                name="governance_proposal_opened_has_a_date",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ProposalStatus.CLOSED, closed_at__isnull=False)
                | (~models.Q(status=ProposalStatus.CLOSED) & models.Q(closed_at__isnull=True)),
                name="governance_proposal_closed_has_a_date",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="closed_proposal_is_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status=ProposalStatus.CLOSED),
            ),
            # Secrecy and rules are promised to the voters when the vote opens.
            pgtrigger.Protect(
                name="opened_proposal_keeps_its_rules",
                operation=pgtrigger.Update,
                condition=~pgtrigger.Q(old__status=ProposalStatus.DRAFT)
                & (
                    pgtrigger.Q(old__secret__df=pgtrigger.F("new__secret"))
                    | pgtrigger.Q(old__quorum_percent__df=pgtrigger.F("new__quorum_percent"))
                    | pgtrigger.Q(old__majority_rule__df=pgtrigger.F("new__majority_rule"))
                    | pgtrigger.Q(old__closes_at__df=pgtrigger.F("new__closes_at"))
                ),
            ),
            pgtrigger.Protect(
                name="voted_proposal_is_kept",
                operation=pgtrigger.Delete,
                condition=~pgtrigger.Q(old__status=ProposalStatus.DRAFT),
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.OPEN


class Option(models.Model):
    """One answer a member may choose ("Pour", "Contre", or one of several choices)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("choix"), max_length=200)
    position = models.PositiveSmallIntegerField(_("rang"))

    class Meta:
        verbose_name = _("choix")
        verbose_name_plural = _("choix")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "position"], name="governance_option_unique_position"
            ),
            models.UniqueConstraint(
                fields=["proposal", "label"], name="governance_option_unique_label"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Elector(models.Model):
    """A member of the electorate: enrolled in the cohort when the vote opened."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="electors")
    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("électeur·rice")
        verbose_name_plural = _("électeur·rices")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "member"], name="governance_elector_once_per_proposal"
            ),
        ]
        triggers = [_append_only("elector")]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.member_id}"


class Participation(models.Model):
    """That a member voted (not what): one per member and proposal, secret or not."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="participations")
    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "member"],
                name="governance_participation_one_vote_per_member",
                violation_error_message=_("Vous avez déjà voté."),
            ),
        ]
        triggers = [_append_only("participation")]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.member_id}"


class Ballot(models.Model):
    """A choice cast (no option: an abstention). On a secret vote it names no member, and its
    random id and lack of timestamp keep it from being matched with its participation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="ballots")
    option = models.ForeignKey(
        Option, on_delete=models.PROTECT, null=True, blank=True, related_name="ballots"
    )
    member = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            # Open votes: one ballot per member (secret ballots carry no member at all).
            models.UniqueConstraint(
                fields=["proposal", "member"], name="governance_ballot_one_per_member"
            ),
        ]
        triggers = [
            _append_only("ballot"),
            pgtrigger.Trigger(
                name="secret_ballot_names_no_voter",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=[("is_secret", "boolean")],
                func=_BALLOT_MATCHES_SECRECY,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.option_id or '-'}"

    @property
    def is_abstention(self) -> bool:
        return self.option_id is None


class Decision(models.Model):
    """The decision log: what a closed vote decided, with its figures. Never rewritten."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, related_name="decision", verbose_name=_("proposition")
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("coopérative")
    )
    text = models.TextField(_("décision"))
    adopted = models.BooleanField(_("adoptée"))
    quorum_reached = models.BooleanField(_("quorum atteint"))
    electorate_size = models.PositiveIntegerField(_("électeur·rices"))
    participants = models.PositiveIntegerField(_("votant·es"))
    abstentions = models.PositiveIntegerField(_("abstentions"))
    # [{"option": label, "votes": n}, …] in the options' order.
    counts = models.JSONField(_("voix par choix"))
    winning_option = models.ForeignKey(
        Option,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("choix retenu"),
    )
    closed_at = models.DateTimeField(_("close le"))

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("registre des décisions")
        ordering = ["-closed_at", "-pk"]
        triggers = [_append_only("decision")]

    def __str__(self) -> str:
        return self.text
