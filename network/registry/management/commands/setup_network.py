from typing import Any

from django.core.management.base import BaseCommand

from network.registry.services import network_setup


class Command(BaseCommand):
    help = "Crée le site national et le schéma modèle des CAE (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        network = network_setup()
        self.stdout.write(self.style.SUCCESS(f"Réseau prêt : {network.name}"))
