"""The network's standard skills grid: five technical and five personal skills, for every
programme. Labels are data, in French (the network's working language)."""

from typing import Any

from django.db import migrations

# code, category, position, label, description
STANDARD_GRID = [
    (
        "marketing",
        "technical",
        10,
        "Marketing : faire connaître notre offre",
        "Présenter nos services, choisir où et comment en parler, préparer affiches et messages.",
    ),
    (
        "selling",
        "technical",
        20,
        "Vente : vendre et négocier avec un client",
        "Aller à la rencontre des clients, comprendre leur besoin, proposer un prix et conclure.",
    ),
    (
        "management",
        "technical",
        30,
        "Gestion : gérer et planifier l'activité",
        "Organiser les prestations dans le temps, suivre ce qui est prévu et ce qui est fait.",
    ),
    (
        "human-resources",
        "technical",
        40,
        "Ressources humaines : organiser le travail",
        "Répartir les tâches, tenir compte des disponibilités de chacun·e, accueillir.",
    ),
    (
        "accounting",
        "technical",
        50,
        "Comptabilité et finances : suivre les comptes",
        "Lire un devis et une facture, suivre les dépenses et les recettes, comprendre le "
        "résultat.",
    ),
    (
        "deciding-together",
        "personal",
        60,
        "Décider ensemble",
        "Donner son avis en réunion, écouter celui des autres, voter et respecter la décision.",
    ),
    (
        "self-confidence",
        "personal",
        70,
        "Avoir confiance en soi",
        "Oser proposer, essayer, se tromper et recommencer.",
    ),
    (
        "teamwork",
        "personal",
        80,
        "Travailler en équipe",
        "S'entraider, tenir ses engagements envers les autres, partager l'information.",
    ),
    (
        "negotiating",
        "personal",
        90,
        "Négocier et gérer un désaccord",
        "Défendre un point de vue, chercher un compromis, apaiser une tension.",
    ),
    (
        "public-speaking",
        "personal",
        100,
        "Prendre la parole en public",
        "Parler devant un groupe, un client ou un partenaire, présenter la coopérative.",
    ),
]


def seed_grid(apps: Any, schema_editor: Any) -> None:
    skill_model = apps.get_model("skillgrid", "Skill")
    for code, category, position, label, description in STANDARD_GRID:
        skill_model.objects.get_or_create(
            code=code,
            defaults={
                "category": category,
                "position": position,
                "label": label,
                "description": description,
            },
        )


def remove_grid(apps: Any, schema_editor: Any) -> None:
    skill_model = apps.get_model("skillgrid", "Skill")
    skill_model.objects.filter(code__in=[row[0] for row in STANDARD_GRID]).delete()


class Migration(migrations.Migration):
    dependencies = [("skillgrid", "0001_initial")]

    operations = [migrations.RunPython(seed_grid, remove_grid)]
